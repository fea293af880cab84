import type {
  RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../../shared/attest/judgeRootAnswers.ts'
import type { ProvenAtRoot } from '../../lib/verifyPortfolioAtRoot.ts'

/**
 * What "copy proof" puts on the clipboard: everything another verifier needs to check the value
 * without trusting this page: the replicas' signed root attestations of the index (each with its
 * signature; a quorum of them names the root), the Merkle proof that ties the value to that root
 * and who served it, and what this browser concluded and when. JSON, two-space indented.
 */
export function proofExport(args: {
  readonly what: string
  readonly label: string
  readonly proven: ProvenAtRoot
  readonly root: RootJudgement | undefined
  /** The proven state leaf, when shown (an order's fields). */
  readonly leaf?: string | undefined
  /** When this browser checked it (epoch ms), when known. */
  readonly checkedAtMs?: number | undefined
}): string {
  const { what, label, proven, root, leaf, checkedAtMs } = args
  return JSON.stringify(
    {
      what,
      label,
      verified: proven.verified,
      quorum: `${proven.k} of ${proven.n} signed; ${proven.quorum} needed`,
      index: proven.index,
      ...(checkedAtMs === undefined ? {} : { checkedAt: new Date(checkedAtMs).toISOString() }),
      root: root?.root ?? null,
      signers: root?.signers ?? [],
      attestations: root?.agreeing ?? [],
      aggregateSignature: proven.aggregate,
      ...(leaf === undefined ? {} : { leaf }),
      proof: proven.proof ?? null,
      proofFrom: proven.servedBy ?? null,
      replicas: proven.replicas.map((line) => ({
        replicaId: line.replicaId,
        root: line.status,
        ...(line.proof === undefined ? {} : { proof: line.proof }),
      })),
    },
    // A bigint (none today) would otherwise throw: written as its decimal text.
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  )
}
