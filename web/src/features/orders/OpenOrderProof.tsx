import { shortHash } from '../../lib/format.ts'
import type { VerifiedPortfolio } from '../../lib/queries.ts'
import type { ShownOrderProof } from '../../lib/shownOrderProof.ts'
import { ProofDetails, proofBadgeTitle } from '../proofs/ProofDetails.tsx'

function badgeText(shown: ShownOrderProof): string {
  switch (shown.state) {
    case 'verified':
      return `✓ ${shown.proven.k} of ${shown.proven.n}`
    case 'verifying':
      return '… verifying'
    case 'differs':
      return '⚠ differs from root'
    case 'unverified':
      return '⚠ unverified'
  }
}

const differsText = (replicaId: string, listedBehind: number | undefined) =>
  `${replicaId} lists an order the quorum root does not prove` +
  (listedBehind === undefined ? '' : `, in a list at batch #${listedBehind}, behind the root`)

/**
 * An open order's badge: verified by k of n when the quorum root proves the order as shown,
 * otherwise why not. Opens the order's proof details (`OpenOrderProofDetails`).
 */
export function OpenOrderProofBadge(props: {
  shown: ShownOrderProof
  portfolio: VerifiedPortfolio | undefined
  open: boolean
  onToggle: () => void
}) {
  const { shown, portfolio } = props
  const proven = 'proven' in shown ? shown.proven : undefined
  const text = badgeText(shown)
  const why =
    shown.state === 'differs'
      ? differsText(shown.listedBy, shown.listedBehind)
      : 'why' in shown && shown.why
  const lines = [why, proven && proofBadgeTitle(proven, portfolio?.root, 'order')]
  return (
    <button
      className={`badge ${shown.state === 'verified' ? 'badge-ok' : 'badge-warn'}`}
      aria-expanded={proven === undefined ? undefined : props.open}
      aria-label={`Order proof: ${text}`}
      disabled={proven === undefined}
      onClick={props.onToggle}
      title={lines.filter(Boolean).join('\n')}
      data-testid="order-proof"
    >
      {text}
    </button>
  )
}

/** The proof details of one open order, under its row. */
export function OpenOrderProofDetails(props: {
  orderId: string
  shown: ShownOrderProof
  portfolio: VerifiedPortfolio | undefined
  /** When this browser made the portfolio check (epoch ms). */
  checkedAtMs: number
}) {
  const { shown, portfolio } = props
  if (!('proven' in shown) || shown.proven === undefined) return null
  return (
    <ProofDetails
      proven={shown.proven}
      root={portfolio?.root}
      what="order"
      label={`Order ${shortHash(props.orderId)}`}
      testKey={`order-${props.orderId}`}
      leaf={shown.proven.value}
      checkedAtMs={props.checkedAtMs}
    />
  )
}

/**
 * Under the open orders: how many of those shown are verified against which root (batch, hash,
 * signers, the replica whose list of open orders the check proved), every replica that served
 * an order its proof does not tie to the quorum root, and every replica whose list differs.
 */
export function OpenOrdersProofSummary(props: {
  shown: readonly ShownOrderProof[]
  portfolio: VerifiedPortfolio | undefined
}) {
  const { shown, portfolio } = props
  const root = portfolio?.root
  if (portfolio === undefined || shown.length === 0) return null
  const verified = shown.filter((item) => item.state === 'verified').length
  const liars = [...new Set(Object.values(portfolio.byOrder).flatMap((order) => order.falseValues))]
  // One line per replica whose list differs (the first such row says whether it is behind).
  const listers = new Map<string, number | undefined>()
  for (const item of shown) {
    if (item.state === 'differs' && !listers.has(item.listedBy)) {
      listers.set(item.listedBy, item.listedBehind)
    }
  }
  return (
    <div
      className="muted small pad-x"
      data-testid="open-orders-proof"
      data-verified={verified}
      data-shown={shown.length}
    >
      <p>
        {verified} of {shown.length} open orders verified
        {root?.verified && root.root ? (
          <>
            {' '}
            by {root.k} of {root.n} replicas against root{' '}
            <span className="mono" title={root.root.stateHash}>
              {root.root.stateHash.slice(0, 18)}…
            </span>{' '}
            at batch #{root.index}, signed by {root.signers.join(', ')}
            {portfolio.ordersListedBy && <> · checked from {portfolio.ordersListedBy}'s list</>}
          </>
        ) : (
          <> · no root signed by a quorum of replicas</>
        )}
      </p>
      {liars.length > 0 && (
        <p className="warn" data-testid="false-orders">
          {liars.join(', ')} served an order that does not match the quorum root
        </p>
      )}
      {[...listers].map(([replicaId, listedBehind]) => (
        <p key={replicaId} className="warn" data-testid="false-listing">
          {differsText(replicaId, listedBehind)}
        </p>
      ))}
    </div>
  )
}
