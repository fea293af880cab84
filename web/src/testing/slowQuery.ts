import { QueryClient, QueryObserver, type QueryKey } from '@tanstack/react-query'

/**
 * An observed query on a new client whose fetches the test ends by hand, as slow reads are:
 * `fetches` holds each fetch's abort signal and the call that answers it with a value.
 */
export function slowQuery<T>(queryKey: QueryKey) {
  const client = new QueryClient()
  const fetches: { signal: AbortSignal; finish: (value: T) => void }[] = []
  const observer = new QueryObserver(client, {
    queryKey,
    queryFn: ({ signal }) => new Promise<T>((finish) => fetches.push({ signal, finish })),
    retry: false,
  })
  const unsubscribe = observer.subscribe(() => {})
  return { client, fetches, stop: () => (unsubscribe(), client.clear()) }
}
