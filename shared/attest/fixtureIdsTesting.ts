/*
 * The part of the root fixture (`testing.ts`) that needs no BLS keys: the index its replicas
 * sign, their ids and their domain. Kept apart so a fixture that only names them (the proven
 * state of `shared/exchange/testing.ts`) loads no BLS code: herumi initializes its WebAssembly
 * when imported, which every test importing that fixture would pay for.
 */

export const fixtureIndex = 42

export const replicaIds = ['replica-1', 'replica-2', 'replica-3'] as const

/** The app and network the fixture's replicas attest for. */
export const fixtureDomain = { app: 'zellular-orderbook', network: 'devnet' } as const
