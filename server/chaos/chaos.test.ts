import { describe, expect, it } from 'vitest'
import { groupAnomalies } from './checker.ts'
import { runChaos } from './runChaos.ts'

/*
 * The chaos suite in `npm test`: one 60 s run with a new seed each time (CHAOS_SEED and
 * CHAOS_SECONDS override), all fault kinds. A failure names the seed and the history file;
 * `npm run chaos -- --seed N` replays the same workload and fault schedule.
 */
describe('chaos', () => {
  it(
    'keeps the bank invariants under kills, pauses, partitions, a Byzantine node, a full disk and a lying replica',
    {
      timeout: 300_000,
    },
    async () => {
      const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000))
      const result = await runChaos({
        seed,
        seconds: Number(process.env.CHAOS_SECONDS ?? 60),
        basePort: 19_500,
        log: (line) => console.log(line),
      })
      const anomalies = groupAnomalies(result.anomalies)
      const replay = `seed ${seed}; history ${result.historyFile}; replay: npm run chaos -- --seed ${seed}`
      console.log(`chaos summary (${replay})\n${JSON.stringify(result.summary, null, 2)}`)
      expect(anomalies, replay).toEqual([])
      // The run did something: most operations were acknowledged and faults were injected.
      expect(Number(result.summary['submit ack'] ?? 0)).toBeGreaterThan(100)
      expect(Number(result.summary['faults injected'] ?? 0)).toBeGreaterThan(0)
    },
  )
})
