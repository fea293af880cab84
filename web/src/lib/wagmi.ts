import { createConfig, createStorage, custom, injected } from 'wagmi'
import { defineChain } from 'viem'

/**
 * The local Zellular devnet as a wagmi chain. It has no RPC: the app only asks wallets for
 * `personal_sign`, which needs no chain, so the transport refuses every call instead of
 * reaching for a network that is not there.
 */
const zellularDevnet = defineChain({
  id: 31337,
  name: 'Zellular devnet',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [] } },
})

const noRpc = custom({
  async request({ method }: { method: string }) {
    throw new Error(`No RPC on the Zellular devnet (${method})`)
  },
})

/** Id of the plain `window.ethereum` fallback connector; hidden when an EIP-6963 wallet exists. */
export const legacyInjectedId = 'injected'

/**
 * EIP-6963 discovery (on by default) turns every announced wallet into an `injected` connector
 * whose id is its rdns (`io.metamask`). The plain `injected()` is only a fallback for wallets
 * that set `window.ethereum` without announcing; the UI hides it whenever an announced wallet
 * is present, so MetaMask never shows twice. No `metaMask()` SDK connector.
 */
export const wagmiConfig = createConfig({
  chains: [zellularDevnet],
  connectors: [injected()],
  multiInjectedProviderDiscovery: true,
  transports: { [zellularDevnet.id]: noRpc },
  storage: createStorage({
    storage: typeof window === 'undefined' ? undefined : window.localStorage,
  }),
})

declare module 'wagmi' {
  interface Register {
    config: typeof wagmiConfig
  }
}
