import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { handleDispute } from './disputeRoutes.ts'
import { makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())

function followerOf0() {
  const { node, ids } = makeTestNode({ position: 2 })
  node.synced = true
  const dispute = (against: string) =>
    handleDispute(node, {
      sequencer_id: against,
      apps_censored_batches: {},
      timestamp: Math.floor(Date.now() / 1000),
    })
  return { node, ids, dispute }
}

it('an honest node refuses to vote against a node that is not its sequencer', () => {
  // Votes collected in advance against the next sequencer would let one faulty node (whose own
  // vote plus one honest vote reach the switch quorum) move the role away from it at will.
  const { node, ids, dispute } = followerOf0()
  try {
    expect(node.sequencerId).toBe(ids[0])
    expect(() => dispute(ids[1]!)).toThrow(
      expect.objectContaining({ code: 'InvalidSequencerError' }),
    )
    node.sequencerDown = true // even when its own sequencer has a problem
    expect(() => dispute(ids[1]!)).toThrow(
      expect.objectContaining({ code: 'InvalidSequencerError' }),
    )
  } finally {
    node.close()
  }
})

it('an honest node votes against its sequencer only on a problem it sees itself', () => {
  const { node, ids, dispute } = followerOf0()
  try {
    expect(() => dispute(ids[0]!)).toThrow(expect.objectContaining({ code: 'IssueNotFoundError' }))
    node.sequencerDown = true
    expect(dispute(ids[0]!).signature).toMatch(/\d+ \d+/)
  } finally {
    node.close()
  }
})
