/**
 * The page side of the test wallet, injected with `addInitScript` before any app script on
 * every navigation. It defines `window.ethereum` and announces it over EIP-6963 as MetaMask;
 * every request crosses to Node through the `__testWalletRequest` binding, where the keys live.
 * Errors come back as data (bindings drop custom error fields) and are rebuilt here with their
 * EIP-1193 `code`. Node fires provider events through `window.__testWalletEmit`.
 *
 * This function is serialised into the page: it must not close over anything.
 */
export function installPageProvider(info: { name: string; rdns: string; icon: string }): void {
  type Listener = (...args: unknown[]) => void
  type Answer = { result?: unknown; error?: { code: number; message: string; data?: unknown } }
  const bridge = window as unknown as {
    __testWalletRequest?: (request: { method: string; params?: unknown }) => Promise<Answer>
    __testWalletEmit?: (event: string, payload: unknown) => void
    ethereum?: unknown
  }
  const listeners = new Map<string, Set<Listener>>()
  const provider = {
    isMetaMask: true,
    async request(request: { method: string; params?: unknown }): Promise<unknown> {
      if (!request || typeof request.method !== 'string') {
        throw Object.assign(new Error('Invalid request'), { code: -32600 })
      }
      const answer = await bridge.__testWalletRequest!({ method: request.method, params: request.params })
      if (answer.error) {
        throw Object.assign(new Error(answer.error.message), {
          code: answer.error.code,
          data: answer.error.data,
        })
      }
      return answer.result
    },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set())
      listeners.get(event)!.add(listener)
      return provider
    },
    removeListener(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener)
      return provider
    },
  }
  bridge.__testWalletEmit = (event, payload) => {
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload)
      } catch (error) {
        console.error('test wallet listener failed', error)
      }
    }
  }
  Object.defineProperty(window, 'ethereum', { value: provider, configurable: true })
  const detail = Object.freeze({
    info: Object.freeze({ uuid: crypto.randomUUID(), ...info }),
    provider,
  })
  const announce = () =>
    window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }))
  window.addEventListener('eip6963:requestProvider', announce)
  announce()
}
