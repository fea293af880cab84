import { beforeAll, expect, it, vi } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { answer, fakePeer, makeTestNode, ManualClock } from './testNodes.ts'

beforeAll(() => initZellular())

const UNREACHABLE = 'http://127.0.0.1:1'

it('a follower resumes at once after a switch, without sleeping the setup deadline', async () => {
  const clock = new ManualClock()
  const { node, ids } = makeTestNode({
    position: 3,
    sockets: [UNREACHABLE, UNREACHABLE, UNREACHABLE, UNREACHABLE],
    config: { sequencerSetupDeadlineMs: 1_000 },
    clock,
  })
  try {
    let done = false
    const switching = node.switcher.switchTo(ids[1]!, ids[0]!).then(() => (done = true))
    // The clock never moves: a sleep on it would never end.
    await vi.waitFor(() => expect(done).toBe(true))
    await switching
    expect([node.role.sequencerId, node.role.paused]).toEqual([ids[1], false])
  } finally {
    node.close()
  }
})

for (const [code, status] of [
  ['IsPausedError', 503],
  ['IsNotSequencerError', 400],
] as const) {
  it(`a new sequencer's ${code} means "not yet" within the setup deadline, a failure after`, async () => {
    const sequencer = await fakePeer((_request, _body, response) =>
      answer(response, status, { status: 'error', error: { code, message: 'not yet' } }),
    )
    const clock = new ManualClock()
    const { node } = makeTestNode({
      position: 1,
      sockets: [sequencer.url, UNREACHABLE, UNREACHABLE, UNREACHABLE],
      config: { sequencerSetupDeadlineMs: 1_000 },
      clock,
    })
    try {
      node.outbox.enqueue('local', [{ app: 'a', bodies: ['hello'] }])
      node.poster.forgetSequencer() // what the end of a switch does
      await expect(node.poster.post()).resolves.toBeUndefined()
      expect(node.poster.sequencerDown).toBe(false)
      expect(node.outbox.queued('a')).toEqual(['hello'])
      clock.advance(1_000)
      const signal = await node.poster.post()
      const failed = code === 'IsPausedError' ? node.poster.sequencerDown : signal
      expect(failed).toBe(code === 'IsPausedError' ? true : 'not_sequencer')
    } finally {
      node.close()
      sequencer.close()
    }
  })
}
