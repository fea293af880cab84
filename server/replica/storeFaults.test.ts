import { afterEach, expect, it } from 'vitest'
import type { BatchEffects } from '../../shared/exchange/index.ts'
import { ReplicaStore } from './store/replicaStore.ts'
import { createStoreFaults } from './storeFaults.ts'
import { removeTemporaryFolders, temporaryDatabaseFile } from './testing.ts'

afterEach(removeTemporaryFolders)

function openStore(hooks: ReturnType<typeof createStoreFaults>): ReplicaStore {
  const file = temporaryDatabaseFile('store-faults-')
  const store = new ReplicaStore(file, hooks === undefined ? {} : { hooks })
  store.initialize(`0x${'00'.repeat(32)}`, [], [])
  return store
}

/**
 * A batch that changed nothing: its index and time, and every list of effects empty, whichever
 * lists `BatchEffects` has (the store's job here is the transaction, not the effects).
 */
function emptyBatch(index: number): BatchEffects {
  const known: Record<string | symbol, unknown> = { index, time: index }
  return new Proxy(known, {
    get: (target, field) => (field in target ? target[field] : []),
  }) as unknown as BatchEffects
}

it('installs nothing without a fault', () => {
  expect(createStoreFaults({})).toBeUndefined()
  const store = openStore(undefined)
  for (let index = 1; index <= 3; index += 1) store.commitBatch(emptyBatch(index), '')
  expect(store.position().index).toBe(3)
  store.close()
})

it('fails every commit after the set count inside its transaction, as a full disk does', () => {
  const store = openStore(createStoreFaults({ diskFullAfterCommits: 2 }))
  store.commitBatch(emptyBatch(1), '')
  store.commitBatches([
    { effects: emptyBatch(2), chainingHash: '' },
    { effects: emptyBatch(3), chainingHash: '' },
  ])
  expect(() => store.commitBatch(emptyBatch(4), '')).toThrow('database or disk is full')
  // Rolled back: the position is the last commit that succeeded, and it stays failing.
  expect(store.position().index).toBe(3)
  expect(() => store.commitBatch(emptyBatch(4), '')).toThrow(
    expect.objectContaining({ code: 'SQLITE_FULL' }),
  )
  store.close()
})
