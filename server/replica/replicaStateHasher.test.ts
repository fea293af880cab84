import { afterEach, expect, it } from 'vitest'
import { sha256Backend } from '../../shared/stateHash/index.ts'
import { ReplicaState } from './replicaState.ts'
import { openSqliteStorage } from './store/sqliteStorage.ts'
import {
  removeTemporaryFolders,
  temporaryDatabaseFile,
  testGenesis,
  testRegistry,
} from './testing.ts'

afterEach(removeTemporaryFolders)

// Its own file: the hasher is per process, and any state opened earlier would have loaded it.
it('opening a state loads the WebAssembly SHA-256 its state tree hashes with', async () => {
  expect(sha256Backend()).toBe('js')
  const storage = openSqliteStorage(temporaryDatabaseFile('hasher-'))
  const state = await ReplicaState.open(storage, {
    registry: testRegistry(1, 1),
    genesis: testGenesis,
  })
  try {
    expect(sha256Backend()).toBe('wasm')
  } finally {
    await state.storage.close()
  }
})
