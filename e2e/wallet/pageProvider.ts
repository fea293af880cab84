/**
 * The page side of the test wallet, injected with `addInitScript` before any app script on
 * every navigation. It defines `window.ethereum` and announces it over EIP-6963 as MetaMask;
 * every request crosses to Node through the `__testWalletRequest` binding, where the keys live.
 * Errors come back as data (bindings drop custom error fields) and are rebuilt here with their
 * EIP-1193 `code`. Node fires provider events through `window.__testWalletEmit`.
 *
 * It is plain JavaScript text rather than a function, because TypeScript loaders (tsx, the
 * Playwright transform) may add helpers such as `__name` to functions, which do not exist in
 * the page once the function is serialised.
 */
export function pageProviderSource(info: { name: string; rdns: string; icon: string }): string {
  return `(() => {
  const info = ${JSON.stringify(info)};
  const listeners = new Map();
  const provider = {
    isMetaMask: true,
    async request(request) {
      if (!request || typeof request.method !== 'string') {
        throw Object.assign(new Error('Invalid request'), { code: -32600 });
      }
      const answer = await window.__testWalletRequest({ method: request.method, params: request.params });
      if (answer.error) {
        throw Object.assign(new Error(answer.error.message), { code: answer.error.code, data: answer.error.data });
      }
      return answer.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      const set = listeners.get(event);
      if (set) set.delete(listener);
      return provider;
    },
  };
  window.__testWalletEmit = (event, payload) => {
    for (const listener of [...(listeners.get(event) || [])]) {
      try { listener(payload); } catch (error) { console.error('test wallet listener failed', error); }
    }
  };
  Object.defineProperty(window, 'ethereum', { value: provider, configurable: true });
  const detail = Object.freeze({ info: Object.freeze({ uuid: crypto.randomUUID(), ...info }), provider });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
})();`
}
