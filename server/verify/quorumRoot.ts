import type { ReplicaRegistry } from '../../shared/api/index.ts'
import {
  judgeRootAnswers,
  verifyRootCertificate,
  type BlsVerifier,
  type ReplicaRootAnswer,
  type RootJudgement,
  type RootStatement,
} from '../../shared/attest/index.ts'
import { getAnswer, getJson, type AskParameters } from './replicaAnswer.ts'

/** What gathering a quorum root needs: the trust root, a BLS verifier, and how to ask. */
export interface RootParameters extends AskParameters {
  /** The trust root (ids, keys, quorum, URLs, tokens), from the caller's own file. */
  readonly registry: ReplicaRegistry
  readonly bls: BlsVerifier
}

/** The root a quorum signed at an index with who signed it, or why there is none. */
export type QuorumRoot =
  | { readonly ok: true; readonly root: RootStatement; readonly signers: readonly string[] }
  | { readonly ok: false; readonly problem: string }

/**
 * The quorum root of `index`: first as one certificate from `certifierUrl` when given (the
 * replica that served the value: `GET /root_certificate`, checked with the registry alone), else
 * from every registry replica's root attestation of `index` (`judgeRootAnswers`: a replica that
 * signed another root, a bad signature or an attestation of another domain is left out of the
 * aggregate and named). A certificate that does not verify is only a wasted request.
 */
export async function gatherRoot(
  parameters: RootParameters,
  index: number,
  certifierUrl?: string,
): Promise<QuorumRoot> {
  const { registry, bls } = parameters
  if (certifierUrl !== undefined) {
    const certificate = await getJson(parameters, `${certifierUrl}/root_certificate?index=${index}`)
    if (certificate !== undefined) {
      const checked = verifyRootCertificate({ registry, index, certificate, bls })
      if (checked.ok) return { ok: true, root: checked.root, signers: checked.signers }
    }
  }
  const answers = await Promise.all(
    registry.replicas.map((replica) => askRoot(parameters, replica, index)),
  )
  const judged = judgeRootAnswers({ registry, index, answers, bls })
  if (judged.verified && judged.root !== undefined) {
    return { ok: true, root: judged.root, signers: judged.signers }
  }
  return { ok: false, problem: rootProblem(judged, registry.replicas.length) }
}

/**
 * One replica's `GET /root?index`, classified for `judgeRootAnswers`: a 404 is `behind` (not
 * signed there yet, or no longer kept: `root_not_kept`), any other failure `unreachable`. Used by
 * clients and by a replica gathering a certificate (`RootCertifier`).
 */
export async function askRoot(
  parameters: AskParameters,
  replica: { readonly id: string; readonly url: string },
  index: number,
): Promise<ReplicaRootAnswer> {
  const replicaId = replica.id
  const answer = await getAnswer(parameters, `${replica.url}/root?index=${index}`)
  if (answer.ok) return { replicaId, kind: 'answer', body: answer.body }
  const kind = answer.status === 404 ? 'behind' : 'unreachable'
  return { replicaId, kind, message: `no root attestation served (${answer.problem})` }
}

/**
 * Why no quorum root: how many replicas signed the index, the quorum, why the aggregate was not
 * taken, and each replica that answered with a bad signature, another root or an invalid answer.
 */
function rootProblem(judged: RootJudgement, replicas: number): string {
  const signed = judged.replicas.filter((line) => line.status === 'signed').length
  const reason =
    judged.aggregate === 'invalid'
      ? 'bad_signature'
      : signed >= judged.quorum
        ? 'disagreeing_roots'
        : 'below_quorum'
  const named = judged.replicas
    .filter((line) => !['signed', 'behind', 'unreachable'].includes(line.status))
    .map((line) => `${line.replicaId} ${line.status}: ${line.detail}`)
  const problem = `${signed} of ${replicas} replicas signed index ${judged.index}, quorum ${judged.quorum}: ${reason}`
  return named.length === 0 ? problem : `${problem} (${named.join('; ')})`
}

/**
 * Fetches and checks the quorum root of an index once for every value proven there, asking the
 * replica that served the first of them for a certificate first; a failed gathering is not
 * kept, so a retry asks again.
 */
export function rootGatherer(
  parameters: RootParameters,
): (index: number, servedBy?: string) => Promise<QuorumRoot> {
  const roots = new Map<number, Promise<QuorumRoot>>()
  return async (index, servedBy) => {
    let found = roots.get(index)
    if (found === undefined) {
      found = gatherRoot(parameters, index, servedBy)
      roots.set(index, found)
    }
    const result = await found
    if (!result.ok) roots.delete(index)
    return result
  }
}
