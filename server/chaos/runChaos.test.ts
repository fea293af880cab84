import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runChaos } from './runChaos.ts'

it('refuses a directory that holds an earlier run, before starting anything', async () => {
  // Reusing one let an earlier run's replica databases join a new run: its anomalies were theirs.
  const dir = mkdtempSync(join(tmpdir(), 'chaos-used-'))
  writeFileSync(join(dir, 'history.jsonl'), '')
  await expect(runChaos({ seed: 1, seconds: 1, dir })).rejects.toThrow(/is not empty/)
})
