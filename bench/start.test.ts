import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it(
  'bench:start times a start of the launcher and where its CPU went',
  { timeout: 120_000 },
  async () => {
    // Ports of their own (nodes 28001–28004, replicas 27001–27003): other tests run alongside.
    const results = await runBenchSmoke('start.ts', ['--port-offset=22000'])
    expect(results.warm_wallSeconds_median).toBeGreaterThan(0)
    // The launcher counts from its own start, so what it prints is what the bench waited.
    expect(
      Math.abs(
        (results.warm_wallSeconds_median as number) -
          (results.warm_printedSeconds_median as number),
      ),
    ).toBeLessThan(1)
    for (const kind of ['launcher', 'nodes', 'replicas']) {
      expect(results[`warm_cpuMs_${kind}`]).toBeGreaterThan(0)
    }
    expect(results).not.toHaveProperty('cold_wallSeconds_median')
  },
)
