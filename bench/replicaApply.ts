import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devnetTokens } from '../shared/exchange/index.ts'
import { signIntent, testAccount, type TestAccount } from '../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  type BatchItemEncoding,
  type WireIntent,
} from '../shared/intents/index.ts'
import { ReplicaState } from '../server/replica/replicaState.ts'
import { openReplicaStorage } from '../server/replica/store/openReplicaStorage.ts'
import { runApplyLoop } from '../server/replica/applyLoop.ts'
import { VerifierPool } from '../server/replica/verifierPool.ts'
import {
  batchItemsOf,
  benchGenesis,
  benchRegistry,
  packBatches,
  transferOf,
} from './applyHarness.ts'

/*
 * Phase A of bench:replica: verified signed transfers applied per second by one replica through
 * its real apply path (parse, EIP-191 signer recovery, ledger, a commit per group of batches into
 * SQLite or PostgreSQL), fed
 * from pre-signed batches so that nothing else competes for the CPU.
 */

export interface ApplyBenchParameters {
  readonly transfers: number
  readonly accounts: number
  /** Largest batch body in bytes (Zellular's cap). */
  readonly batchBytesMax: number
  /** The form of the intents in the batches (`REPLICA_BATCH_ENCODING`). */
  readonly batchEncoding: BatchItemEncoding
  readonly durability: 'FULL' | 'NORMAL'
  /** Verifier worker threads reading ahead of the apply loop (0: verify inline). */
  readonly verifierThreads: number
  /** `postgres://…`: commit into that (empty) PostgreSQL database instead of a SQLite file. */
  readonly databaseUrl?: string | undefined
}

export interface ApplyBenchResult {
  readonly transfersPerSecond: number
  readonly batches: number
  readonly applied: number
  readonly rejected: number
  readonly stateHash: string
  readonly seconds: number
  /** CPU time of the whole process (all threads) per applied transfer, in µs. */
  readonly cpuMicrosPerTransfer: number
  /** Batches that a verifier thread prepared (0 when verifying inline). */
  readonly preparedInThreads: number
}

/** Deterministic accounts, each with 1,000,000 USDT at genesis. */
export function benchAccounts(count: number): TestAccount[] {
  return Array.from({ length: count }, (_, i) => testAccount(50_000 + i))
}

/** `count` signed USDT transfers between `accounts` (`transferOf`: always affordable). */
export function signTransfers(
  accounts: readonly TestAccount[],
  count: number,
  firstNonce = 1,
): WireIntent[] {
  const tokens = createTokenRegistry(devnetTokens)
  return Array.from({ length: count }, (_, n) => {
    const { from, fields } = transferOf(accounts, n, firstNonce)
    return signIntent(from, tokens, fields)
  })
}

/**
 * Signs `count` transfers a call, the accounts in turn, each call's nonces above the last's. They
 * start at now in milliseconds: a real network's batches carry finalization times, and a nonce
 * must lie within days of its batch's time (`shared/ledger/nonceWindow.ts`).
 */
export function transferRounds(accounts: readonly TestAccount[]): (count: number) => WireIntent[] {
  let nextNonce = Date.now()
  return (count) => {
    const intents = signTransfers(accounts, count, nextNonce)
    nextNonce += Math.ceil(count / accounts.length) + 1
    return intents
  }
}

/** Runs phase A; signing is done before the clock starts. */
export async function measureApply(parameters: ApplyBenchParameters): Promise<ApplyBenchResult> {
  const accounts = benchAccounts(parameters.accounts)
  const genesis = benchGenesis(accounts)
  const bodies = packBatches(
    batchItemsOf(signTransfers(accounts, parameters.transfers), parameters.batchEncoding),
    parameters.batchBytesMax,
  )
  const dir = mkdtempSync(join(tmpdir(), 'bench-replica-'))
  const store = await openReplicaStorage({
    databaseFile: join(dir, 'replica.db'),
    databaseUrl: parameters.databaseUrl,
    durability: parameters.durability,
  })
  const state = await ReplicaState.open(store, {
    registry: benchRegistry(),
    genesis,
  })
  const pool = new VerifierPool(parameters.verifierThreads, {
    tokens: state.exchange.ledger.tokens,
    domain: state.exchange.domain,
  })
  try {
    await pool.ready()
    let applied = 0
    let rejected = 0
    const controller = new AbortController()
    const source = {
      async *batches(position: { after: number }) {
        for (let i = position.after; i < bodies.length; i++) {
          yield { index: i + 1, body: bodies[i]!, chainingHash: `h${i + 1}` }
        }
      },
    }
    const started = performance.now()
    const cpuAtStart = process.cpuUsage()
    await runApplyLoop({
      source,
      state,
      signal: controller.signal,
      log: () => {},
      ...(pool.threads > 0 ? { prepare: (body: string) => pool.prepare(body) } : {}),
      onApplied(effects) {
        for (const receipt of effects.receipts) {
          if (receipt.status === 'applied') applied += 1
          else rejected += 1
        }
        if (effects.index === bodies.length) controller.abort()
      },
    })
    const seconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpuAtStart)
    return {
      cpuMicrosPerTransfer: Math.round((cpu.user + cpu.system) / applied),
      preparedInThreads: pool.preparedInThreads,
      transfersPerSecond: Math.round(applied / seconds),
      batches: bodies.length,
      applied,
      rejected,
      stateHash: state.stateHash(),
      seconds,
    }
  } finally {
    await pool.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
