import {
  certifyRoot,
  createBlsVerifier,
  herumi,
  judgeRootAnswers,
  type ReplicaRootAnswer,
  type RootCertificate,
} from '../../shared/attest/index.ts'
import { askRoot } from '../verify/quorumRoot.ts'
import type { AskParameters } from '../verify/replicaAnswer.ts'
import { rejection } from './apiError.ts'
import type { ReplicaDeps } from './replicaDeps.ts'
import { SharedGatherings } from './sharedGatherings.ts'

/** Certificates kept, by index: a root a quorum signed never changes, so none goes stale. */
const certificatesKept = 64

/**
 * Indexes being certified at once; requests for one index share its gathering, and more distinct
 * ones get 503 `overloaded`. Each asks every peer once and checks one aggregate.
 */
const gatheringsMax = 8

/**
 * Makes root certificates for `GET /root_certificate?index` (`shared/attest/rootCertificate.ts`):
 * asks every registry replica for its root attestation of the index (this one's from memory),
 * judges them as a client does (`judgeRootAnswers`: the largest agreeing group, each signature
 * against its REGISTRY key, one aggregate verification), and adds up the quorum's signatures.
 * Nobody needs to trust this replica for it: the certificate verifies with the registry alone.
 * A client that gets one saves asking every replica itself.
 */
export class RootCertifier {
  readonly #kept = new Map<number, RootCertificate>()
  readonly #gathering = new SharedGatherings<RootCertificate>(gatheringsMax, 'root certificates')
  /** herumi behind the verifier's caches: the same attestations are judged for every request. */
  readonly #bls = createBlsVerifier(herumi)

  /** How peers are asked: this replica's fetch, with the aggregate timeout. */
  readonly #asking: AskParameters

  constructor(private readonly deps: ReplicaDeps) {
    this.#asking = { fetch: deps.fetch, timeoutMs: deps.options.aggregateTimeoutMs }
  }

  certificate(index: number): Promise<RootCertificate> {
    const kept = this.#kept.get(index)
    if (kept !== undefined) return Promise.resolve(kept)
    return this.#gathering.run(String(index), () => this.gather(index))
  }

  private async gather(index: number): Promise<RootCertificate> {
    const { registry } = this.deps
    const answers = await Promise.all(
      registry.replicas.map((replica) =>
        replica.id === this.deps.replicaId
          ? this.ownAnswer(index)
          : askRoot(this.#asking, replica, index),
      ),
    )
    const judged = judgeRootAnswers({ registry, index, answers, bls: this.#bls })
    if (!judged.verified) {
      const missing = judged.replicas
        .filter((line) => line.status !== 'signed')
        .map((line) => `${line.replicaId} ${line.status}`)
        .join(', ')
      throw rejection('quorum_not_reached', 'index', `${registry.quorum} needed; ${missing}`)
    }
    const certificate = certifyRoot(judged.agreeing)
    if (this.#kept.size >= certificatesKept) this.#kept.delete(this.#kept.keys().next().value!)
    this.#kept.set(index, certificate)
    return certificate
  }

  private ownAnswer(index: number): ReplicaRootAnswer {
    const replicaId = this.deps.replicaId
    const signed = this.deps.roots.at(index)
    if (signed === undefined) return { replicaId, kind: 'behind', message: 'not signed here' }
    return { replicaId, kind: 'answer', body: signed }
  }
}
