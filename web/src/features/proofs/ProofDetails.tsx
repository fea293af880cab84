import type {
  ReplicaRootLine,
  RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../../shared/attest/judgeRootAnswers.ts'
import { useState } from 'react'
import { formatTimeOfDay } from '../../lib/formatTime.ts'
import type { ProvenAtRoot, ProvenLine } from '../../lib/verifyPortfolioAtRoot.ts'
import { proofExport } from './proofExport.ts'

/** A replica's root attestation of the index, as the line under a badge names it. */
const statusLabels: Record<ReplicaRootLine['status'], string> = {
  signed: 'signed',
  bad_signature: 'bad signature',
  behind: 'behind',
  unreachable: 'unreachable',
  disagrees: 'disagrees',
  invalid_answer: 'invalid answer',
}

/** A replica's proof of a balance or an order (`what`), when it was asked for one. */
function proofLabel(proof: NonNullable<ProvenLine['proof']>, what: string): string {
  switch (proof) {
    case 'verified':
      return 'proof verified'
    case 'false_value':
      return `served a false ${what}`
    case 'other_index':
      return 'proof of another index'
    case 'unavailable':
      return 'no proof'
    case 'invalid_answer':
      return 'invalid proof answer'
    case 'not_open':
      return 'proof: not open at the root'
  }
}

/**
 * What a badge opens: what "k of n" means for this value, every replica's root attestation and
 * proof of it (a balance or an order, `what`), whether the root's aggregate signature verified,
 * the root itself (hash, batch, signers) with the replica whose proof tied the value to it, that
 * proof, when this browser checked it, and a button that copies all of it for another verifier
 * (`proofExport`). Test ids carry `testKey`.
 */
export function ProofDetails(props: {
  proven: ProvenAtRoot
  root: RootJudgement | undefined
  what: string
  label: string
  testKey: string
  /** The proven state leaf's value, when it is worth showing (an order's fields). */
  leaf?: string | undefined
  /** When this browser checked it (epoch ms, this browser's clock). */
  checkedAtMs?: number | undefined
}) {
  const { proven, root, what, testKey } = props
  const [copied, setCopied] = useState<'copied' | 'failed'>()
  const copy = () => {
    // No clipboard outside a secure context (the page served over plain http from another host).
    const clipboard = navigator.clipboard as Clipboard | undefined
    if (clipboard === undefined) return setCopied('failed')
    clipboard
      .writeText(proofExport(props))
      .then(() => setCopied('copied'))
      .catch(() => setCopied('failed'))
  }
  return (
    <ul className="replica-proofs" aria-label={`${props.label} replica roots and proofs`}>
      <li className="small" data-testid={`meaning-${testKey}`}>
        {proven.verified
          ? `${proven.k} of the ${proven.n} replicas signed the same state root of batch ` +
            `#${proven.index}, and a Merkle proof ties this ${what} to it. ${proven.quorum} ` +
            `signatures are needed, so it holds unless ${proven.quorum} replicas lie together; ` +
            'this browser checked the signatures and the proof itself.'
          : `Not verified: this ${what} needs a state root of batch #${proven.index} signed by ` +
            `${proven.quorum} of the ${proven.n} replicas and a proof tying it there. Below, ` +
            'what each replica answered.'}
      </li>
      {proven.replicas.map((replica) => (
        <li
          key={replica.replicaId}
          data-status={replica.status}
          data-proof={replica.proof}
          data-testid={`proof-${testKey}-${replica.replicaId}`}
        >
          <span
            className={`dot ${replica.status === 'signed' ? 'dot-ok' : replica.status === 'behind' ? 'dot-warn' : 'dot-bad'}`}
            aria-hidden
          />
          <span className="mono small">{replica.replicaId}</span>
          <span className="small">{statusLabels[replica.status]}</span>
          {replica.detail && (
            <span className="muted small ellipsis" title={replica.detail}>
              {replica.detail}
            </span>
          )}
          {replica.proof && (
            <span
              className={`small ${replica.proof === 'false_value' ? 'warn' : 'muted'}`}
              title={replica.proofDetail}
            >
              · {proofLabel(replica.proof, what)}
            </span>
          )}
        </li>
      ))}
      <li className="muted small">
        root aggregate signature:{' '}
        {proven.aggregate === 'valid'
          ? 'valid'
          : proven.aggregate === 'invalid'
            ? 'invalid'
            : 'not checked'}
      </li>
      {root?.root && (
        <li className="muted small" data-testid={`root-${testKey}`}>
          root <span className="mono">{root.root.stateHash.slice(0, 18)}…</span> at batch #
          {root.index}, signed by {root.signers.join(', ')}
          {proven.servedBy && <> · proof from {proven.servedBy}</>}
        </li>
      )}
      {props.leaf && (
        <li className="muted small" data-testid={`leaf-${testKey}`}>
          proven {what} <span className="mono">{props.leaf}</span>
        </li>
      )}
      {proven.proof && (
        <li className="muted small" data-testid={`proof-bytes-${testKey}`}>
          proof {(proven.proof.length - 2) / 2} bytes{' '}
          <span className="mono ellipsis" title={proven.proof}>
            {proven.proof.slice(0, 26)}…
          </span>
        </li>
      )}
      <li className="muted small">
        {props.checkedAtMs !== undefined && (
          <span data-testid={`checked-${testKey}`}>
            checked at {formatTimeOfDay(props.checkedAtMs, { now: props.checkedAtMs })} ·{' '}
          </span>
        )}
        <button type="button" className="link" onClick={copy} data-testid={`copy-proof-${testKey}`}>
          copy proof
        </button>
        <span role="status" aria-live="polite">
          {copied === 'copied' ? ' · copied' : copied === 'failed' ? ' · could not copy' : ''}
        </span>
      </li>
    </ul>
  )
}

/**
 * A badge's tooltip: the root the value (`what`) is proven against and who signed it, then
 * every replica left out of the aggregate or whose proof was refused, with why.
 */
export function proofBadgeTitle(
  proven: ProvenAtRoot,
  root: RootJudgement | undefined,
  what: string,
): string {
  const lines =
    root?.root === undefined
      ? [`No root of batch #${proven.index} signed by ${proven.quorum} of ${proven.n} replicas`]
      : [`Root ${root.root.stateHash} of batch #${root.index} signed by ${root.signers.join(', ')}`]
  for (const replica of proven.replicas) {
    if (replica.status !== 'signed') {
      lines.push(`${replica.replicaId}: ${statusLabels[replica.status]}`)
    }
    if (replica.proof !== undefined && replica.proof !== 'verified') {
      lines.push(`${replica.replicaId}: ${proofLabel(replica.proof, what)}`)
    }
  }
  if (proven.servedBy !== undefined) lines.push(`Proof from ${proven.servedBy}`)
  return lines.join('\n')
}
