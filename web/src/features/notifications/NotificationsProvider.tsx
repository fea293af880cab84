import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useReducer,
  useRef,
  type ReactNode,
} from 'react'
import { BatchTime } from '../../components/BatchTime.tsx'
import { useLive } from '../../lib/live.tsx'
import type { AppRegistry } from '../../lib/registry.ts'
import {
  buildBatchNotifications,
  toastDurationMs,
  toastsReducer,
  type Notification,
  type OrderActivityEvent,
} from './notifications.ts'

type Notify = (notification: Notification) => void

const NotifyContext = createContext<Notify | undefined>(undefined)

/** Ids already shown, so an event the stream delivers again (a resumed stream) shows once. */
const seenIdsMax = 500

/**
 * Toasts for what happens to the connected account's orders: fills (a resting order filled by
 * someone else too), cancels, and, through `useNotify`, rejected and failed requests. The
 * stream's trades and order events are gathered per batch and told when the batch is applied.
 * At most a few show at once, each leaves by itself after a few seconds, and the region is a
 * polite live region, so a screen reader reads them without moving focus.
 */
export function NotificationsProvider(props: {
  registry: AppRegistry
  address: string | undefined
  children: ReactNode
}) {
  const { registry, address } = props
  const [toasts, dispatch] = useReducer(toastsReducer, [])
  const seen = useRef(new Set<string>())
  const live = useLive()

  const notify = useCallback<Notify>((notification) => {
    if (seen.current.has(notification.id)) return
    seen.current.add(notification.id)
    if (seen.current.size > seenIdsMax) {
      seen.current.delete(seen.current.values().next().value!)
    }
    dispatch({ type: 'push', notification })
  }, [])

  useEffect(() => {
    if (address === undefined) return
    const me = address.toLowerCase()
    let batch: OrderActivityEvent[] = []
    return live.onEvent((event) => {
      switch (event.event) {
        case 'trade':
          if (event.data.maker === me || event.data.taker === me) batch.push(event)
          return
        case 'order':
          if (event.data.owner === me) batch.push(event)
          return
        case 'applied': {
          const events = batch
          batch = []
          if (events.length === 0) return
          const marketOf = (id: string) => registry.marketById(id)
          for (const notification of buildBatchNotifications(events, me, marketOf)) {
            notify(notification)
          }
          return
        }
        case 'hello':
        case 'reset':
          // A new stream: a batch cut in the middle is not told half.
          batch = []
          return
        default:
          return
      }
    })
  }, [live, address, registry, notify])

  return (
    <NotifyContext.Provider value={notify}>
      {props.children}
      <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
        {toasts.map((toast) => (
          <Toast
            key={toast.id}
            toast={toast}
            onDismiss={() => dispatch({ type: 'dismiss', id: toast.id })}
          />
        ))}
      </div>
    </NotifyContext.Provider>
  )
}

function Toast(props: { toast: Notification; onDismiss: () => void }) {
  const { toast, onDismiss } = props
  // The timer starts once per toast: a new `onDismiss` at each render must not restart it.
  const dismiss = useRef(onDismiss)
  dismiss.current = onDismiss
  useEffect(() => {
    const timer = setTimeout(() => dismiss.current(), toastDurationMs(toast.kind))
    return () => clearTimeout(timer)
  }, [toast.kind])
  return (
    <div className={`toast toast-${toast.kind}`} data-testid="toast" data-kind={toast.kind}>
      <div className="toast-head">
        <strong className="toast-title">{toast.title}</strong>
        {toast.time !== undefined && (
          <span className="muted small">
            <BatchTime time={toast.time} />
          </span>
        )}
        <button
          type="button"
          className="icon-btn small"
          aria-label="Dismiss notification"
          onClick={onDismiss}
        >
          ✕
        </button>
      </div>
      <p className="small toast-body">{toast.body}</p>
    </div>
  )
}

/** Shows a toast (see `NotificationsProvider`). */
export function useNotify(): Notify {
  const notify = useContext(NotifyContext)
  if (notify === undefined) throw new Error('useNotify outside NotificationsProvider')
  return notify
}
