import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import type { RootJudgement } from '../../../../shared/attest/judgeRootAnswers.ts'
import { LoadError } from '../../components/LoadError.tsx'
import { faucetOutcomeText } from '../../lib/faucetOutcome.ts'
import { formatUnits } from '../../lib/format.ts'
import { verifiedPortfolioQueryOptions } from '../../lib/queries.ts'
import { refreshVerifiedPortfolio } from '../../lib/refreshVerifiedPortfolio.ts'
import {
  shownBalance,
  STREAMED_BALANCE_TTL_MS,
  streamedBalancesQueryKey,
  type ShownBalance,
  type StreamedBalances,
} from '../../lib/streamedBalances.ts'
import { useQueryDataNow } from '../../lib/useQueryDataNow.ts'
import { requestFaucet, type AppRegistry } from '../../lib/registry.ts'
import type { ProvenBalance } from '../../lib/verifyPortfolioAtRoot.ts'
import { ProofDetails, proofBadgeTitle } from '../proofs/ProofDetails.tsx'

/**
 * Per token: available and locked, with the quorum badge computed in this browser: every balance
 * is proven against one root a quorum of replicas signed (one aggregate signature per index).
 * A number is shown as verified only when its proof ties it to that root; otherwise it is marked
 * unverified. A replica that served a balance its proof does not tie to the root is named.
 */
export function BalancesPanel(props: { registry: AppRegistry; address: string | undefined }) {
  const { registry, address } = props
  const query = useQuery({
    ...verifiedPortfolioQueryOptions(registry, address ?? ''),
    enabled: !!address,
  })
  // Filled by the live stream (`recordStreamedBalance`); never fetched. Observed here so the
  // cache keeps it, and read as the stream sets it: a batch's balances show in the render that
  // shows its book (`useQueryDataNow`).
  const streamedKey = streamedBalancesQueryKey(address ?? '')
  useQuery({
    queryKey: streamedKey,
    queryFn: (): StreamedBalances => ({}),
    enabled: false,
    staleTime: Infinity,
  })
  const streamed = useQueryDataNow<StreamedBalances>(streamedKey)
  const shown = (token: string, proof: ProvenBalance) =>
    shownBalance(proof, query.data?.index, streamed?.[token])
  // An unverified streamed balance expires (`STREAMED_BALANCE_TTL_MS`): render again then.
  const [, setExpired] = useState(0)
  const now = Date.now()
  const expiresAt = Math.min(
    ...Object.values(streamed ?? {})
      .map((balance) => balance.unconfirmedSinceMs + STREAMED_BALANCE_TTL_MS)
      .filter((at) => at > now),
  )
  useEffect(() => {
    if (!Number.isFinite(expiresAt)) return
    const timer = setTimeout(() => setExpired(expiresAt), Math.max(0, expiresAt - Date.now()))
    return () => clearTimeout(timer)
  }, [expiresAt])
  const shownIndex = Math.max(
    query.data?.index ?? 0,
    ...Object.values(streamed ?? {}).map((balance) => balance.index),
  )
  const isLocal = registry.network === 'devnet' || registry.network === 'local'
  return (
    <section
      className="panel balances"
      aria-labelledby="balances-title"
      data-testid="balances"
      // The batch the shown balances were verified at, and the latest batch shown at all
      // (bench:browser times repaints with it).
      data-index={query.data?.index ?? undefined}
      data-shown-index={shownIndex > 0 ? shownIndex : undefined}
    >
      <header className="panel-head">
        <h2 id="balances-title">Balances</h2>
        {address && isLocal && <FaucetButton registry={registry} address={address} />}
      </header>
      {!address ? (
        <p className="muted pad">Connect a wallet to see balances verified by the replicas.</p>
      ) : query.data === undefined ? (
        <div className="pad">
          {query.isError ? (
            <LoadError
              testId="balances-error"
              message="Could not check balances with the replicas."
              // TanStack's refetch never rejects: a failure lands in the query's state.
              // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
              onRetry={() => void query.refetch()}
            />
          ) : (
            <div className="skeleton-block" aria-busy="true">
              Verifying…
            </div>
          )}
        </div>
      ) : (
        <ul className="balance-list">
          {registry.tokens.map((token) => {
            const proof = query.data.byToken[token.symbol]
            return proof ? (
              <BalanceRow
                key={token.symbol}
                token={token.symbol}
                decimals={token.decimals}
                proof={proof}
                root={query.data.root}
                shown={shown(token.symbol, proof)}
                checkedAtMs={query.dataUpdatedAt}
              />
            ) : null
          })}
        </ul>
      )}
      {query.data && (
        <p className="muted small pad-x" data-testid="balances-index">
          At batch #{query.data.index ?? '—'} · every balance proven against one root, checked in
          this browser in {query.data.verifyMs.toFixed(1)} ms against the registry keys
        </p>
      )}
    </section>
  )
}

function BalanceRow(props: {
  token: string
  decimals: number
  proof: ProvenBalance
  root: RootJudgement | undefined
  shown: ShownBalance
  /** When this browser made the portfolio check (epoch ms). */
  checkedAtMs: number
}) {
  const { token, decimals, proof } = props
  const [open, setOpen] = useState(false)
  const value = props.shown
  const verifying = value.source === 'streamed'
  const shown = value.available !== undefined
  return (
    <li
      className={`balance ${proof.verified ? 'is-verified' : 'is-unverified'}`}
      data-testid={`balance-${token}`}
      data-verified={proof.verified}
      data-k={proof.k}
      data-n={proof.n}
      data-available={proof.verified ? proof.available?.toString() : ''}
      data-locked={proof.verified ? proof.locked?.toString() : ''}
    >
      <div className="balance-main">
        <span className="token">{token}</span>
        <div className="amounts">
          <span
            className="amount"
            aria-label={`${token} available`}
            data-testid={`amount-${token}`}
            data-source={value.source}
          >
            {shown ? formatUnits(value.available!, decimals) : '—'}
          </span>
          <span className="muted small">
            {verifying ? (
              <span title={`Reported by the streaming replica at batch #${value.index}`}>
                verifying ·
              </span>
            ) : (
              !proof.verified && shown && <span className="warn">unverified · </span>
            )}
            locked{' '}
            <span aria-label={`${token} locked`}>
              {shown ? formatUnits(value.locked!, decimals) : '—'}
            </span>
          </span>
        </div>
      </div>
      <button
        className={`badge ${proof.verified && !verifying ? 'badge-ok' : 'badge-warn'}`}
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        title={proofBadgeTitle(proof, props.root, 'balance')}
        data-testid={`badge-${token}`}
      >
        {verifying
          ? `… verifying batch #${value.index}`
          : proof.verified
            ? `✓ verified by ${proof.k} of ${proof.n} replicas`
            : `⚠ unverified · needs ${proof.quorum} of ${proof.n}`}
      </button>
      {value.source === 'verified' && value.stalledAt !== undefined && (
        <span className="warn small" data-testid={`stalled-${token}`}>
          Verification stalled: no quorum confirmed batch #{value.stalledAt} within{' '}
          {STREAMED_BALANCE_TTL_MS / 1000} s; showing the balance proven at batch #{proof.index}
        </span>
      )}
      {proof.falseValues.length > 0 && (
        // A flex item of the row (no paragraph margins).
        <span className="warn small" data-testid={`false-value-${token}`}>
          {proof.falseValues.join(', ')} served a balance that does not match the quorum root
        </span>
      )}
      {open && (
        <ProofDetails
          proven={proof}
          root={props.root}
          what="balance"
          label={token}
          testKey={token}
          checkedAtMs={props.checkedAtMs}
        />
      )}
    </li>
  )
}

function FaucetButton(props: { registry: AppRegistry; address: string }) {
  const queryClient = useQueryClient()
  const faucet = useMutation({
    mutationFn: () => requestFaucet(props.address),
    onSuccess: () => {
      // The mint goes through Zellular; refresh a few times while it lands.
      for (const delay of [500, 1500, 3000]) {
        setTimeout(() => refreshVerifiedPortfolio(queryClient, props.address), delay)
      }
    },
  })
  return (
    <div className="faucet">
      <button
        className="btn btn-small"
        onClick={() => faucet.mutate()}
        disabled={faucet.isPending}
        data-testid="faucet"
      >
        {faucet.isPending ? 'Requesting…' : 'Get test tokens'}
      </button>
      <span className="small" role="status" aria-live="polite" data-testid="faucet-status">
        {faucet.isSuccess && <span className="ok">{faucetOutcomeText(faucet.data)}</span>}
        {faucet.isError && <span className="error">{faucet.error.message}</span>}
      </span>
    </div>
  )
}
