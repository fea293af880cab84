import type { ReplicaRegistry } from '../../shared/api/index.ts'
import {
  judgeRootAnswers,
  type BlsVerifier,
  type RootStatement,
  type SignedRoot,
} from '../../shared/attest/index.ts'
import { askRoot } from '../verify/quorumRoot.ts'
import type { AskParameters } from '../verify/replicaAnswer.ts'

interface OwnRootCheckParameters {
  /** The trust root: whose signatures count, under which keys, and the quorum. */
  readonly registry: ReplicaRegistry
  readonly replicaId: string
  /** This replica's own signed root at the index checked. */
  readonly own: SignedRoot
  readonly bls: BlsVerifier
  /** How the peers are asked. */
  readonly asking: AskParameters
}

/** Where this replica's root stands against what its peers signed at the same index. */
type OwnRootVerdict =
  /** A quorum (this replica among it) signed this replica's root. */
  | { readonly kind: 'agrees'; readonly signers: readonly string[] }
  /** No quorum signed any root there (yet): peers behind, unreachable, or lying alone. */
  | { readonly kind: 'undecided'; readonly problem: string }
  /** A quorum of other replicas signed another root at an index this replica applied. */
  | {
      readonly kind: 'diverged'
      readonly index: number
      readonly own: RootStatement
      readonly quorum: RootStatement
      readonly signers: readonly string[]
    }

/**
 * Checks this replica's root at one index against its peers': asks every other registry
 * replica for its attestation of that index (`askRoot`) and judges them with this replica's
 * own as a client would (`judgeRootAnswers`: each signature under its REGISTRY key, the
 * largest agreeing group, one aggregate). Diverged only when a quorum verified there and its
 * root (state hash, chaining hash or time) is not this replica's: the quorum is then made of
 * peers alone, so fewer than a quorum of liars cannot make it, and a peer that is behind
 * (404) or ahead (it still keeps the index) only leaves the verdict undecided.
 */
export async function checkOwnRoot(parameters: OwnRootCheckParameters): Promise<OwnRootVerdict> {
  const { registry, replicaId, own, bls } = parameters
  const { index } = own.attestation
  const answers = await Promise.all(
    registry.replicas.map((replica) =>
      replica.id === replicaId
        ? { replicaId, kind: 'answer' as const, body: own }
        : askRoot(parameters.asking, replica, index),
    ),
  )
  const judged = judgeRootAnswers({ registry, index, answers, bls })
  if (!judged.verified || judged.root === undefined) {
    const lines = judged.replicas.map((line) => `${line.replicaId} ${line.status}`)
    return { kind: 'undecided', problem: `no quorum root at ${index}: ${lines.join(', ')}` }
  }
  const { replicaId: _self, ...statement } = own.attestation
  if (sameRoot(statement, judged.root)) return { kind: 'agrees', signers: judged.signers }
  return { kind: 'diverged', index, own: statement, quorum: judged.root, signers: judged.signers }
}

function sameRoot(one: RootStatement, other: RootStatement): boolean {
  return (
    one.stateHash === other.stateHash &&
    one.chainingHash === other.chainingHash &&
    one.time === other.time
  )
}
