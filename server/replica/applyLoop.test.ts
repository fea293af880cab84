import { afterEach, describe, expect, it } from 'vitest'
import { devnetTokens, prepareBatch, type PreparedBatch } from '../../shared/exchange/index.ts'
import { signIntent } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, initKeccak } from '../../shared/intents/index.ts'
import { runApplyLoop } from './applyLoop.ts'
import { ReplicaState, type FinalizedBatch } from './replicaState.ts'
import { openSqliteStorage } from './store/sqliteStorage.ts'
import {
  removeTemporaryFolders,
  temporaryDatabaseFile,
  testGenesis,
  testRegistry,
  traders,
} from './testing.ts'

await initKeccak()
const registry = testRegistry(1, 1)
const tokens = createTokenRegistry(devnetTokens)
const batches: FinalizedBatch[] = Array.from({ length: 40 }, (_, i) => ({
  index: i + 1,
  chainingHash: `hash-${i + 1}`,
  body: JSON.stringify(
    [0, 1, 2].map((k) =>
      signIntent(traders[(i + k) % traders.length]!, tokens, {
        action: 'transfer',
        nonce: String(i * 3 + k + 1),
        to: traders[(i + k + 1) % traders.length]!.address,
        token: 'USDT',
        amount: '1.5',
      }),
    ),
  ),
}))

afterEach(removeTemporaryFolders)

function openState(): Promise<ReplicaState> {
  return ReplicaState.open(openSqliteStorage(temporaryDatabaseFile('apply-loop-')), {
    registry,
    genesis: testGenesis,
  })
}

/**
 * Runs the loop over `batches` with preparation finishing one batch every `stepMs`, in order,
 * as a single verifier thread delivers them. Returns how many commits it made and the state.
 */
async function applyAll(options: { groupWaitMs: number; stepMs: number }) {
  const state = await openState()
  const parameters = { tokens: state.exchange.ledger.tokens, domain: state.exchange.domain }
  let previous: Promise<unknown> = Promise.resolve()
  const prepare = (body: string): Promise<PreparedBatch> => {
    const done = previous.then(
      () =>
        new Promise<PreparedBatch>((resolve) => {
          setTimeout(() => resolve(prepareBatch(body, parameters)), options.stepMs)
        }),
    )
    previous = done
    return done
  }
  const committedAt = new Set<number>()
  const controller = new AbortController()
  await runApplyLoop({
    source: {
      async *batches({ after }) {
        yield* batches.slice(after)
      },
    },
    state,
    prepare,
    groupWaitMs: options.groupWaitMs,
    signal: controller.signal,
    log: () => {},
    onApplied(effects) {
      // Within one commit every batch sees the position of the last batch of its group.
      committedAt.add(state.position.index)
      expect(effects.receipts.every((receipt) => receipt.status === 'applied')).toBe(true)
      if (effects.index === batches.length) controller.abort()
    },
  })
  await state.storage.close()
  return { commits: committedAt.size, state }
}

describe('runApplyLoop', () => {
  it('commits batches whose preparation finishes within the wait together, to the same state', async () => {
    const each = await applyAll({ groupWaitMs: 0, stepMs: 5 })
    const grouped = await applyAll({ groupWaitMs: 60, stepMs: 5 })
    expect(each.commits).toBeGreaterThan(30)
    expect(grouped.commits).toBeLessThan(each.commits / 3)
    expect(grouped.state.position).toEqual({ index: 40, chainingHash: 'hash-40', time: 0 })
    expect(grouped.state.stateHash()).toBe(each.state.stateHash())

    // And the same as applying each batch on its own, inline.
    const inline = await openState()
    for (const batch of batches) await inline.apply(batch)
    expect(inline.stateHash()).toBe(grouped.state.stateHash())
    await inline.storage.close()
  })
})
