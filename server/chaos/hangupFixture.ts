import { spawnService } from '../serviceProcesses.ts'
import { handleHarnessSignals } from './harnessSignals.ts'

/*
 * For `hangup.test.ts`: a harness-style parent that takes signals as the chaos harness does and
 * starts a child as it does (`spawnService`, from source), passing the child's lines on; the
 * child idles.
 * `HANGUP_FIXTURE_OWN_SESSION=1` starts the child in a session of its own, as the harness does;
 * `HANGUP_FIXTURE_CHILDREN=<n>` starts n children instead of one.
 */
if (process.env.HANGUP_FIXTURE_ROLE === 'child') {
  setInterval(() => {}, 1 << 30)
  console.log('child ready')
} else {
  handleHarnessSignals((line) => console.log(line))
  process.env.SERVICES_FROM_SOURCE = '1'
  for (let count = Number(process.env.HANGUP_FIXTURE_CHILDREN ?? '1'); count > 0; count -= 1) {
    const child = spawnService('server/chaos/hangupFixture.ts', {
      id: 'child',
      url: 'http://127.0.0.1:1',
      environment: { HANGUP_FIXTURE_ROLE: 'child' },
      ownSession: process.env.HANGUP_FIXTURE_OWN_SESSION === '1',
      onLine: (line) => console.log(line),
    })
    console.log(`child pid ${child.child.pid}`)
  }
}
