import type { NodeContext } from './nodeContext.ts'

/**
 * zsequencer's `_find_network_sequencer` (§8.1): ask every other attesting node whom it follows;
 * adopt the id backed (with own stake) by a threshold of stake if that node itself claims the
 * role, otherwise fall back to the configured initial sequencer, or keep `current`. When the
 * threshold follows this node, it is the answer: this node can claim the role itself. Without
 * that, a node restarted into following another one while the others follow it (each answering
 * the other "not the sequencer") stalled the network for good (chaos seed 212).
 */
export async function discoverSequencer(context: NodeContext, current: string): Promise<string> {
  const { network } = context
  const others = network.attesting().filter((operator) => operator.id !== context.id)
  const answers = await Promise.all(
    others.map(async (operator) => {
      try {
        const response = await context.peers.get(`${operator.socket}/node/state`, 2_000)
        const data = (response.body as { data?: { sequencer_id?: unknown } } | null)?.data
        return typeof data?.sequencer_id === 'string'
          ? { id: operator.id, sequencerId: data.sequencer_id.toLowerCase() }
          : null
      } catch {
        return null
      }
    }),
  )
  const backers = new Map<string, string[]>()
  for (const answer of answers) {
    if (!answer) continue
    const sequencer = network.operator(answer.sequencerId)
    if (!sequencer?.roles.includes('sequencing')) continue
    backers.set(answer.sequencerId, [...(backers.get(answer.sequencerId) ?? []), answer.id])
  }
  let best: [string, string[]] | undefined
  for (const entry of backers) if (!best || entry[1].length > best[1].length) best = entry
  if (best) {
    const [candidate, ids] = best
    const selfClaimed =
      candidate === context.id ||
      answers.some((a) => a?.id === candidate && a.sequencerId === candidate)
    const stake = network.stakePercent([...ids, context.id])
    if (selfClaimed && stake >= network.thresholdPercent) return candidate
  }
  return context.config.initSequencerId || current
}
