import { bls, syncPointMessage, type SyncPoint } from '../../shared/zellular/index.ts'
import type { NodeContext } from './nodeContext.ts'

export type Gathered =
  | {
      readonly ok: true
      readonly aggregate: { signature: string; nonsigners: string[] }
      /**
       * The aggregate of the ask's `companion` signatures, with the same nonsigners, when every
       * signer gave one and they verified with the aggregate.
       */
      readonly companion?: { signature: string; nonsigners: string[] }
    }
  | {
      readonly ok: false
      readonly unsigned: string[]
      /**
       * Those of `unsigned` that gave no answer at all (unreachable, or silent until the
       * deadline: paused, cut off) rather than a refusal or a bad signature.
       */
      readonly silent: string[]
      /** Why each party member's signature is missing, for the sequencer's log. */
      readonly why: ReadonlyMap<string, string>
      /** What refusals sent along (`data` of the error envelope), by who refused. */
      readonly refusalData: ReadonlyMap<string, unknown>
    }

/** What to ask the party to sign: a route, the body to post and the message they sign. */
export interface SignatureAsk {
  readonly path: string
  readonly body: object
  readonly message: string
  /**
   * A second message the answers may sign too, their signature in `data[field]` (the vote a
   * lock request carries). It is verified with the aggregate in one pairing check: the same
   * signers' key, one final exponentiation for both.
   */
  readonly companion?: { readonly message: string; readonly field: string }
}

/** Asks to sign the lock or finalization `body` (a sync point, with extensions). */
export function syncPointAsk<point extends SyncPoint>(body: point): SignatureAsk {
  return { path: '/node/sign_sync_point', body, message: syncPointMessage(body) }
}

/**
 * zsequencer's `gather_and_aggregate_signatures`: ask the party to sign concurrently, stop once
 * own + collected stake reaches the threshold, give up after the aggregation timeout. Answers
 * are checked together: one verification of their aggregate under the sum of their keys instead
 * of one pairing check per answer (the sequencer's main cost). Only when that fails is each
 * answer verified on its own, the bad ones dropped and their signers reported to `convict`.
 */
export async function gatherSignatures(
  context: NodeContext,
  ask: SignatureAsk,
  party: readonly string[],
  convict: (id: string) => void,
): Promise<Gathered> {
  const { network } = context
  const { message } = ask
  const signatures = new Map<string, bls.G1>()
  const companions = new Map<string, bls.G1>()
  const { companion } = ask
  const ownStake = network.operator(context.id)?.stake ?? 0
  if (ownStake > 0) {
    signatures.set(context.id, bls.sign(context.secretKey, message))
    if (companion) companions.set(context.id, bls.sign(context.secretKey, companion.message))
  }
  // Whether the companion signatures verified with the aggregate that settled the round.
  let companionVerified = false
  const enough = () => network.stakePercent(signatures.keys()) >= network.thresholdPercent
  // After an aggregate fails, every answer (those held and those still to come) is verified alone.
  let verifyEach = false
  // A peer whose answer fails alone is convicted, so the next rounds do not ask it: a forger
  // would otherwise cost every round the individual checks of all answers.
  const verifiesAlone = (id: string, signature: bls.G1) => {
    const operator = network.operator(id)
    const valid = operator !== undefined && bls.verify(signature, operator.publicKey, message)
    if (!valid) convict(id)
    return valid
  }
  /** Enough valid stake is held; drops bad answers if the aggregate does not verify. */
  const settled = () => {
    if (!enough()) return false
    if (verifyEach) return true
    const withCompanion =
      companion !== undefined && [...signatures.keys()].every((id) => companions.has(id))
    if (withCompanion) {
      const both = [
        { signatures, message },
        { signatures: companions, message: companion.message },
      ]
      if (verifiesTogether(context, both)) return (companionVerified = true)
    }
    if (verifiesTogether(context, [{ signatures, message }])) return true
    verifyEach = true
    for (const [id, signature] of signatures) {
      if (id !== context.id && !verifiesAlone(id, signature)) signatures.delete(id)
    }
    return enough()
  }
  const controller = new AbortController()
  const cancelDeadline = context.clock.after(context.config.aggregationTimeoutMs, () =>
    controller.abort(),
  )

  // Set the moment the outcome is known: an answer arriving after it must not join the aggregate
  // unverified (it did, between the resolve and the code after the await).
  let finished = false
  const why = new Map<string, string>()
  const silent = new Set<string>()
  const refusalData = new Map<string, unknown>()
  const gathered = await new Promise<boolean>((resolve) => {
    const finish = (outcome: boolean) => {
      finished = true
      resolve(outcome)
    }
    let pending = party.length
    if (settled()) return finish(true)
    if (pending === 0) return finish(false)
    controller.signal.addEventListener('abort', () => finish(false))
    const answered = () => {
      pending -= 1
      if (settled()) finish(true)
      else if (pending === 0) finish(false)
    }
    for (const id of party) {
      askToSign(context, id, ask)
        .then((answer) => {
          if (finished) return
          if ('refusal' in answer) {
            why.set(id, answer.refusal)
            if (answer.unreachable === true) silent.add(id)
            if (answer.data !== undefined) refusalData.set(id, answer.data)
          } else if (!verifyEach || verifiesAlone(id, answer.signature)) {
            signatures.set(id, answer.signature)
            const second = companion && companionOf(answer.data, companion.field)
            if (second) companions.set(id, second)
          } else why.set(id, 'a signature that does not verify')
          answered()
        })
        // A failed ask (or check) counts as no signature: the round ends when all have answered,
        // not at its deadline, and nothing is left unhandled to end the process.
        .catch((error: unknown) => {
          context.log.warn(`signature of ${id} not counted: ${String(error)}`)
          if (!finished) answered()
        })
    }
  })
  cancelDeadline()
  controller.abort()
  if (!gathered) {
    const unsigned = party.filter((id) => !signatures.has(id))
    for (const id of unsigned) {
      if (why.has(id)) continue
      why.set(id, 'no answer in time')
      silent.add(id)
    }
    return { ok: false, unsigned, silent: [...silent], why, refusalData }
  }
  const nonsigners = network
    .attesting()
    .map((operator) => operator.id)
    .filter((id) => !signatures.has(id))
  const aggregateOf = (of: ReadonlyMap<string, bls.G1>) =>
    bls.formatPoint(bls.aggregateSignatures([...signatures.keys()].map((id) => of.get(id)!)))
  return {
    ok: true,
    aggregate: { signature: aggregateOf(signatures), nonsigners },
    ...(companionVerified ? { companion: { signature: aggregateOf(companions), nonsigners } } : {}),
  }
}

async function askToSign(
  context: NodeContext,
  id: string,
  ask: SignatureAsk,
): Promise<
  { signature: bls.G1; data: unknown } | { refusal: string; data?: unknown; unreachable?: true }
> {
  const operator = context.network.operator(id)
  if (!operator) return { refusal: 'not an operator' }
  try {
    const timeoutMs = context.config.aggregationTimeoutMs
    const response = await context.peers.send('POST', operator, ask.path, ask.body, timeoutMs)
    const body = response.body as { data?: { signature?: unknown } } | null
    const signature = body?.data?.signature
    if (response.status !== 200 || typeof signature !== 'string') {
      const refusal = `${response.status} ${errorMessage(response.body)}`
      return response.status === 200 ? { refusal } : { refusal, data: body?.data }
    }
    // Only parsed here (a point on the curve); `gatherSignatures` verifies the answers together.
    return { signature: bls.parseG1(signature), data: body?.data }
  } catch (error) {
    // The request failed on the way (refused connection, reset, timeout): no answer came.
    return { refusal: (error as Error)?.message ?? String(error), unreachable: true }
  }
}

/** A zsequencer error envelope's code and message, short, or what the body is. */
function errorMessage(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error
  if (typeof error?.code !== 'string') return 'without a signature'
  return `${error.code}${typeof error.message === 'string' ? `: ${error.message.slice(0, 120)}` : ''}`
}

/**
 * Whether each set's aggregate verifies under the aggregate of its signers' keys, in one check
 * (sets with the same signers share the key, so two messages cost little more than one).
 */
function verifiesTogether(
  context: NodeContext,
  sets: readonly { signatures: ReadonlyMap<string, bls.G1>; message: string }[],
): boolean {
  const keys: bls.G2[] = []
  for (const id of sets[0]!.signatures.keys()) {
    const operator = context.network.operator(id)
    if (!operator) return false
    keys.push(operator.publicKey)
  }
  const publicKey = bls.aggregatePublicKeys(keys)
  return bls.verifyAll(
    sets.map(({ signatures, message }) => ({
      signature: bls.aggregateSignatures(
        [...sets[0]!.signatures.keys()].map((id) => signatures.get(id)!),
      ),
      publicKey,
      message,
    })),
  )
}

/** The point at `data[field]` of an answer, or undefined when there is none or it is not one. */
function companionOf(data: unknown, field: string): bls.G1 | undefined {
  const value = (data as Record<string, unknown> | null)?.[field]
  if (typeof value !== 'string') return undefined
  try {
    return bls.parseG1(value)
  } catch {
    return undefined
  }
}
