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
import { refreshVerifiedBalances } from '../../lib/refreshVerifiedBalances.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import { ReplicaRequestError, replicaApi, type ReplicaRef } from '../../lib/replicaClient.ts'
import { classifyWalletError, walletErrorMessage } from '../../lib/walletErrors.ts'
import {
  isFinal,
  requestsReducer,
  stageAfterFailedSubmit,
  type SubmitFailure,
  type TrackedRequest,
} from './requestsState.ts'

interface Requests {
  readonly requests: readonly TrackedRequest[]
  /** Asks the wallet to sign the draft's text, submits it and tracks it to the end. */
  submit(draft: IntentDraft, title: string): Promise<TrackedRequest['stage']>
  dismiss(key: string): void
  clearFinished(): void
}

const RequestsContext = createContext<Requests | undefined>(undefined)

/**
 * The signing requests of the connected account (the provider is keyed by address, so a switch
 * of account starts an empty list). Each request is followed through its stages: the wallet,
 * the replica's 202, Zellular finalization (a replica's receipt: replicas apply only finalized
 * batches) and application by a quorum of replicas (`GET /tx/:id` on each). A request whose
 * delivery is `unknown` (the replica's send may have reached Zellular, or a replica took it and
 * never answered) is watched the same way, never shown as failed: signing it again with a new
 * nonce could apply both.
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

  const update = useCallback(
    (key: string, patch: Partial<TrackedRequest>) => dispatch({ type: 'update', key, patch }),
    [],
  )

  // Receipts from the live stream.
  useEffect(
    () =>
      live.onReceipt((receipt) => {
        const request = requestsRef.current.find((item) => item.intentId === receipt.intentId)
        if (request === undefined) return
        if (receipt.status === 'applied') {
          update(request.key, { stage: 'finalized', batchIndex: receipt.index })
        } else {
          update(request.key, {
            stage: 'rejected',
            reason: receipt.reason ?? 'rejected',
            batchIndex: receipt.index,
          })
        }
      }),
    [live, update],
  )

  // Poll `GET /tx/:id` on every replica while a request is on its way, so a missed event or a
  // replica switch never leaves it hanging, and count the replicas that applied it.
  const open = requests.filter((request) => !isFinal(request.stage) && request.stage !== 'wallet')
  const openKey = open.map((request) => `${request.key}:${request.stage}`).join(',')
  useEffect(() => {
    if (open.length === 0) return
    const controller = new AbortController()
    const timer = setInterval(() => {
      for (const request of requestsRef.current) {
        if (isFinal(request.stage) || request.stage === 'wallet' || request.stage === 'submitting')
          continue
        pollRequest(registry, request, controller.signal)
          .then((patch) => {
            if (patch) update(request.key, patch)
            if (address && (patch?.stage === 'applied' || patch?.stage === 'finalized')) {
              refreshVerifiedBalances(queryClient, address)
            }
          })
          .catch((error: unknown) => console.error('Polling a request failed:', error))
      }
    }, 700)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [openKey, registry, update, queryClient, address])

  const submit = useCallback(
    async (draft: IntentDraft, title: string): Promise<TrackedRequest['stage']> => {
      const key = draft.id
      if (address === undefined) return 'failed'
      dispatch({
        type: 'add',
        request: {
          key,
          action: draft.intent.action,
          title,
          text: draft.text,
          intentId: draft.id,
          stage: 'wallet',
          startedAt: Date.now(),
        },
      })
      let signature: string
      try {
        signature = await signMessage.mutateAsync({ message: draft.text, account: address })
      } catch (error) {
        const declined = classifyWalletError(error) === 'rejected'
        update(key, { stage: declined ? 'declined' : 'failed', reason: walletErrorMessage(error) })
        return declined ? 'declined' : 'failed'
      }
      update(key, { stage: 'submitting' })
      const wire = toSignedWire(draft, signature)
      const order = orderedReplicas(registry, primaryRef.current)
      const failures: SubmitFailure[] = []
      for (const replica of order) {
        try {
          const answer = await replicaApi.submit(replica, wire)
          // `unknown`: the replica's send to Zellular may have delivered it; it keeps sending.
          const stage = answer.status === 'unknown' ? 'unknown' : 'submitted'
          update(key, { stage, replicaId: replica.id, intentId: answer.intentId })
          return stage
        } catch (error) {
          if (!(error instanceof ReplicaRequestError)) {
            failures.push({ kind: 'other', message: String(error) })
            break
          }
          failures.push({ kind: error.kind, code: error.code, message: error.message })
          // The same signed intent may go to another replica: it applies at most once.
          const retryable =
            error.kind !== 'http' ||
            error.code === 'sequencer_unavailable' ||
            error.code === 'overloaded' ||
            error.code === 'rate_limited'
          if (!retryable) break
        }
      }
      const { stage, reason } = stageAfterFailedSubmit(failures)
      update(key, { stage, reason })
      return stage
    },
    [address, registry, signMessage, update],
  )

  const value = useMemo<Requests>(
    () => ({
      requests,
      submit,
      dismiss: (key) => dispatch({ type: 'dismiss', key }),
      clearFinished: () => dispatch({ type: 'clearFinished' }),
    }),
    [requests, submit],
  )
  return <RequestsContext.Provider value={value}>{props.children}</RequestsContext.Provider>
}

/** The primary replica first, then the others in registry order. */
function orderedReplicas(registry: AppRegistry, primary: ReplicaRef | undefined): ReplicaRef[] {
  const rest = registry.replicas.filter((replica) => replica.id !== primary?.id)
  return primary ? [primary, ...rest] : rest
}

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
  const applied = answers.filter((answer) => answer?.status === 'applied')
  const rejected = answers.find((answer) => answer?.status === 'rejected')
  if (rejected)
    return {
      stage: 'rejected',
      reason: rejected.reason ?? 'rejected',
      ...batch(rejected.batchIndex),
    }
  if (applied.length === 0) return undefined
  const batchIndex = applied[0]!.batchIndex
  const stage = applied.length >= registry.quorum ? 'applied' : 'finalized'
  return { stage, appliedBy: applied.length, ...batch(batchIndex) }
}

function batch(index: number | undefined) {
  return index === undefined ? {} : { batchIndex: index }
}

export function useRequests(): Requests {
  const requests = useContext(RequestsContext)
  if (requests === undefined) throw new Error('useRequests outside RequestsProvider')
  return requests
}
