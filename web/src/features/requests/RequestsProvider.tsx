import { useQueryClient } from '@tanstack/react-query'
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  type ReactNode,
} from 'react'
import { useSignMessage } from 'wagmi'
import { useLive, usePrimaryReplica } from '../../lib/live.tsx'
import { toSignedWire, type IntentDraft } from '../../lib/intentDraft.ts'
import { refreshVerifiedPortfolio } from '../../lib/refreshVerifiedPortfolio.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import { replicaApi, type ReplicaRef } from '../../lib/replicaClient.ts'
import { classifyWalletError, walletErrorMessage } from '../../lib/walletErrors.ts'
import { requestNotification } from '../notifications/notifications.ts'
import { useNotify } from '../notifications/NotificationsProvider.tsx'
import { decideRequestOutcome } from './requestOutcome.ts'
import { RequestWatcher } from './requestWatcher.ts'
import { reasonText } from './requestReason.ts'
import {
  lastApplyTimeMs,
  requestsReducer,
  visibleRequests,
  type TrackedRequest,
} from './requestsState.ts'
import { submitToReplicas } from './submitToReplicas.ts'

interface Requests {
  readonly requests: readonly TrackedRequest[]
  /** Asks the wallet to sign the draft's text, submits it and tracks it to the end. */
  submit(draft: IntentDraft, title: string): Promise<TrackedRequest['stage']>
  dismiss(key: string): void
  clearFinished(): void
}

const RequestsContext = createContext<Requests | undefined>(undefined)

/**
 * The signing requests, each tagged with its signer; the list shown is the connected account's
 * (`visibleRequests`). A switch of account while the wallet asks to sign cancels that request:
 * whatever the wallet answers, nothing is sent for the old account, and the cancelled request
 * stays in view to say so. Each request is followed through its stages: the wallet, the
 * replica's 202, Zellular finalization (a replica's receipt: replicas apply only finalized
 * batches) and an outcome decided by a quorum of replicas (`GET /tx/:id` on each,
 * `decideRequestOutcome`), still counting replicas after it applied. A replica's refusal moves
 * the submission on to the next replica (`submitToReplicas`); only a quorum's refusals reject
 * it. A request whose delivery is `unknown` (the replica's send may have reached Zellular, a
 * replica took it and never answered, or fewer than a quorum refused it) is watched the same
 * way, never shown as failed: signing it again with a new nonce could apply both. So is one a
 * quorum refused (it may be in Zellular all the same), until its nonce can no longer apply. A
 * request whose answers stay the same is polled more and more slowly (up to every 30 s), and
 * at most 10 are watched at once: the oldest beyond that shows it is no longer checked.
 */
export function RequestsProvider(props: {
  registry: AppRegistry
  address: `0x${string}` | undefined
  children: ReactNode
}) {
  const { registry, address } = props
  const [requests, dispatch] = useReducer(requestsReducer, [])
  const live = useLive()
  const primary = usePrimaryReplica(registry)
  const primaryRef = useRef(primary)
  primaryRef.current = primary
  const signMessage = useSignMessage()
  const queryClient = useQueryClient()
  const requestsRef = useRef(requests)
  requestsRef.current = requests
  const addressRef = useRef(address)
  addressRef.current = address

  useEffect(() => dispatch({ type: 'accountChanged', address }), [address])

  // A request that ends rejected or failed is told in a toast, once.
  const notify = useNotify()
  const stages = useRef(new Map<string, TrackedRequest['stage']>())
  useEffect(() => {
    const next = new Map<string, TrackedRequest['stage']>()
    for (const request of requests) {
      const before = stages.current.get(request.key)
      next.set(request.key, request.stage)
      const notification = requestNotification(before, request)
      if (notification) notify(notification)
    }
    stages.current = next
  }, [requests, notify])

  const update = useCallback(
    (key: string, patch: Partial<TrackedRequest>) =>
      dispatch({ type: 'update', key, patch, at: Date.now() }),
    [],
  )

  // Receipts from the live stream.
  useEffect(
    () =>
      live.onReceipt((receipt) => {
        const request = requestsRef.current.find((item) => item.intentId === receipt.intentId)
        if (request === undefined) return
        // One replica's receipt shows the batch was finalized; the outcome takes a quorum.
        update(request.key, {
          stage: 'finalized',
          batchIndex: receipt.index,
          batchTime: receipt.time,
        })
      }),
    [live, update],
  )

  // Follow each request on its way, and applied ones while replicas still apply them, one poll
  // at a time per request: a missed event or a replica switch never leaves one hanging.
  const watcher = useRef<RequestWatcher | undefined>(undefined)
  useEffect(() => {
    const created = new RequestWatcher({
      replicaCount: registry.replicas.length,
      poll: (request, signal) => pollRequest(registry, request, signal),
      onPatch: (key, patch) => {
        const before = requestsRef.current.find((request) => request.key === key)
        update(key, patch)
        // Balances move when the request reaches a new stage, not at each recount of replicas.
        const moved = patch.stage === 'applied' || patch.stage === 'finalized'
        if (before && moved && patch.stage !== before.stage) {
          refreshVerifiedPortfolio(queryClient, before.signer)
        }
      },
    })
    watcher.current = created
    created.update(requestsRef.current)
    return () => created.stop()
  }, [registry, update, queryClient])
  useEffect(() => watcher.current?.update(requests), [requests])

  const submit = useCallback(
    async (draft: IntentDraft, title: string): Promise<TrackedRequest['stage']> => {
      const key = draft.id
      if (address === undefined) return 'failed'
      const signer = address.toLowerCase()
      dispatch({
        type: 'add',
        request: {
          key,
          action: draft.intent.action,
          title,
          text: draft.text,
          intentId: draft.id,
          signer,
          stage: 'wallet',
          applyByMs: lastApplyTimeMs(draft.intent.nonce),
          startedAt: Date.now(),
          ...('market' in draft.intent ? { market: draft.intent.market.symbol } : {}),
          ...(draft.intent.action === 'cancel' ? { orderId: draft.intent.orderId } : {}),
        },
      })
      let signature: string
      try {
        signature = await signMessage.mutateAsync({ message: draft.text, account: address })
      } catch (error) {
        const declined = classifyWalletError(error) === 'rejected'
        update(key, {
          stage: declined ? 'declined' : 'failed',
          reason: reasonText(walletErrorMessage(error)),
        })
        return declined ? 'declined' : 'failed'
      }
      // The account changed while the wallet asked: the user now acts as someone else, so the
      // old account's signature is dropped (the list already shows the request cancelled).
      if (addressRef.current?.toLowerCase() !== signer) {
        update(key, { stage: 'cancelled' })
        return 'cancelled'
      }
      update(key, { stage: 'submitting' })
      const wire = toSignedWire(draft, signature)
      const outcome = await submitToReplicas({
        replicas: orderedReplicas(registry, primaryRef.current),
        quorum: registry.quorum,
        send: (replica) => replicaApi.submit(replica, wire),
      })
      update(key, outcome)
      return outcome.stage
    },
    [address, registry, signMessage, update],
  )

  const shown = useMemo(() => visibleRequests(requests, address), [requests, address])
  const value = useMemo<Requests>(
    () => ({
      requests: shown,
      submit,
      dismiss: (key) => dispatch({ type: 'dismiss', key }),
      clearFinished: () => dispatch({ type: 'clearFinished' }),
    }),
    [shown, submit],
  )
  return <RequestsContext.Provider value={value}>{props.children}</RequestsContext.Provider>
}

/** The primary replica first, then the others in registry order. */
function orderedReplicas(registry: AppRegistry, primary: ReplicaRef | undefined): ReplicaRef[] {
  const rest = registry.replicas.filter((replica) => replica.id !== primary?.id)
  return primary ? [primary, ...rest] : rest
}

/** Every replica's `GET /tx/:id` answer, decided by the quorum rule. */
async function pollRequest(
  registry: AppRegistry,
  request: TrackedRequest,
  signal: AbortSignal,
): Promise<Partial<TrackedRequest> | undefined> {
  const answers = await Promise.all(
    registry.replicas.map((replica) =>
      replicaApi.tx(replica, request.intentId, signal).catch(() => undefined),
    ),
  )
  return decideRequestOutcome(answers, registry.quorum)
}

export function useRequests(): Requests {
  const requests = useContext(RequestsContext)
  if (requests === undefined) throw new Error('useRequests outside RequestsProvider')
  return requests
}
