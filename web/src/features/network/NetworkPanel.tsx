import { useQuery } from '@tanstack/react-query'
import { networkQueryOptions } from '../../lib/queries.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import { useReplicaStatuses } from '../../lib/useReplicaStatuses.ts'
import { calculateNetworkSnapshot } from './networkSnapshot.ts'

/** Zellular nodes with the current sequencer and finalized index; each replica's applied index and lag. */
export function NetworkPanel(props: { registry: AppRegistry; primary: ReplicaRef | undefined }) {
  const { registry, primary } = props
  const replicas = useReplicaStatuses(registry)
  const network = useQuery(
    networkQueryOptions(primary ?? replicas.find((replica) => replica.reachable)),
  )
  const nodes = network.data?.nodes ?? []
  const snapshot = calculateNetworkSnapshot(nodes, replicas)
  const finalized = snapshot.finalized
  return (
    <section className="panel network" aria-labelledby="network-title" data-testid="network">
      <header className="panel-head">
        <h2 id="network-title">Network</h2>
        <span className="small muted">
          finalized{' '}
          <strong className="mono" data-testid="finalized-index">
            #{finalized ?? '—'}
          </strong>
        </span>
      </header>
      {/* Focusable, so the panel can be scrolled from the keyboard. */}
      <div className="scroll" tabIndex={0} role="region" aria-labelledby="network-title">
        <h3 className="sub">Zellular nodes</h3>
        <ul className="node-list" data-testid="zellular-nodes">
          {nodes.length === 0 && (
            <li className="muted small">
              {network.isError ? 'Network view unavailable' : 'Loading…'}
            </li>
          )}
          {nodes.map((node) => {
            const isSequencer = node.id === network.data?.sequencerId
            return (
              <li
                key={node.id}
                data-testid="zellular-node"
                data-node-id={node.id}
                data-sequencer={isSequencer}
                data-ok={node.ok}
              >
                <span
                  className={`dot ${node.ok ? 'dot-ok' : 'dot-bad'}`}
                  role="img"
                  aria-label={node.ok ? 'up' : 'down'}
                />
                <span className="mono small ellipsis" title={`${node.id} · ${node.url}`}>
                  {node.id ? node.id.slice(0, 10) : node.url.replace(/^https?:\/\//, '')}
                </span>
                {isSequencer && (
                  <span className="tag" data-testid="sequencer-tag">
                    sequencer
                  </span>
                )}
                <span className="mono small muted grow-right" title={node.error}>
                  {node.ok ? `#${node.finalizedIndex ?? '—'}` : 'down'}
                </span>
              </li>
            )
          })}
        </ul>
        <h3 className="sub">
          Replicas{' '}
          <span className="muted small">
            quorum {registry.quorum} of {registry.replicas.length}
          </span>
        </h3>
        <ul className="node-list" data-testid="replicas">
          {replicas.map((replica, position) => {
            const lag = snapshot.replicas[position]?.lag
            return (
              <li
                key={replica.id}
                data-testid="replica"
                data-replica-id={replica.id}
                data-reachable={replica.reachable}
              >
                <span
                  className={`dot ${replica.reachable ? ((lag ?? 0) > 3 ? 'dot-warn' : 'dot-ok') : replica.loading ? 'dot-idle' : 'dot-bad'}`}
                  role="img"
                  aria-label={replica.reachable ? 'reachable' : 'unreachable'}
                />
                <span className="mono small">{replica.id}</span>
                {replica.id === primary?.id && <span className="tag tag-dim">streaming</span>}
                <span className="mono small grow-right">
                  {replica.status ? (
                    <>
                      applied #{replica.status.appliedIndex} · lag {lag ?? '—'}
                    </>
                  ) : (
                    <span className="muted">{replica.loading ? '…' : 'unreachable'}</span>
                  )}
                </span>
              </li>
            )
          })}
        </ul>
      </div>
    </section>
  )
}
