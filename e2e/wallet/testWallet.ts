import type { BrowserContext } from '@playwright/test'
import { hexToString, isHex, numberToHex, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { pageProviderSource } from './pageProvider.ts'

/** How the wallet answers prompts: like a user who always approves, always rejects, or waits. */
export type WalletMode = 'approve' | 'reject' | 'manual'

/** One request the page made, as logged. */
export interface WalletRequest {
  readonly method: string
  readonly params: unknown
  readonly at: number
}

interface RpcError {
  code: number
  message: string
}

type Answer = { result: unknown } | { error: RpcError }

interface Prompt {
  readonly method: string
  readonly params: unknown
  readonly resolve: (answer: Answer) => void
  readonly approve: () => Promise<Answer>
}

const metaMaskIcon =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#f6851b"/><path d="M8 10l8 5 8-5-3 11h-10z" fill="#fff"/></svg>',
  )

const rejected: RpcError = { code: 4001, message: 'User rejected the request.' }
const unauthorized: RpcError = {
  code: 4100,
  message: 'The requested account has not been authorized.',
}

/**
 * A test-only EIP-1193 wallet for Playwright that behaves like MetaMask from the page's point of
 * view: `window.ethereum` plus an EIP-6963 announcement (`io.metamask`), the permission flow
 * wagmi's injected connector uses, `personal_sign` with real secp256k1 keys held in Node, real
 * `accountsChanged` events, MetaMask error codes (4001, 4100, 4200, -32002) and three modes:
 * approve, reject, or manual (a test resolves each prompt while the app shows its waiting state).
 * State lives per browser context, so it survives reloads like a real extension.
 */
export class TestWallet {
  readonly accounts: readonly PrivateKeyAccount[]
  private active = 0
  private connected = false
  private mode: WalletMode = 'approve'
  private readonly log: WalletRequest[] = []
  private readonly prompts: Prompt[] = []
  private readonly promptWaiters = new Set<() => void>()

  private constructor(
    private readonly context: BrowserContext,
    privateKeys: readonly Hex[],
    private readonly chainId: number,
  ) {
    this.accounts = privateKeys.map((key) => privateKeyToAccount(key))
  }

  /** Installs the wallet into every page of `context`; call before the first `goto`. */
  static async install(
    context: BrowserContext,
    options: { privateKeys: readonly Hex[]; chainId?: number; mode?: WalletMode },
  ): Promise<TestWallet> {
    const wallet = new TestWallet(context, options.privateKeys, options.chainId ?? 31337)
    if (options.mode) wallet.mode = options.mode
    await context.exposeBinding(
      '__testWalletRequest',
      (_source, request: { method: string; params?: unknown }) =>
        wallet.handle(request.method, request.params),
    )
    await context.addInitScript({
      content: pageProviderSource({ name: 'MetaMask', rdns: 'io.metamask', icon: metaMaskIcon }),
    })
    return wallet
  }

  /** The active account's address, lower-case. */
  get address(): `0x${string}` {
    return this.accounts[this.active]!.address.toLowerCase() as `0x${string}`
  }

  get isConnected(): boolean {
    return this.connected
  }

  setMode(mode: WalletMode): void {
    this.mode = mode
  }

  /** Every request so far, or those of one method. */
  requests(method?: string): WalletRequest[] {
    return method ? this.log.filter((request) => request.method === method) : [...this.log]
  }

  /** The texts the wallet was asked to `personal_sign`, decoded from hex, oldest first. */
  signRequests(): string[] {
    return this.requests('personal_sign').map((request) => {
      const [data] = request.params as [string, string]
      return isHex(data) ? hexToString(data) : data
    })
  }

  /** Prompts waiting for the user (manual mode). */
  get pendingPrompts(): readonly { method: string; params: unknown }[] {
    return this.prompts.map(({ method, params }) => ({ method, params }))
  }

  /** Resolves when a prompt is waiting (manual mode). */
  async waitForPrompt(method?: string, timeoutMs = 10_000): Promise<void> {
    const has = () =>
      this.prompts.some((prompt) => method === undefined || prompt.method === method)
    if (has()) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.promptWaiters.delete(check)
        reject(
          new Error(`No wallet prompt${method ? ` for ${method}` : ''} within ${timeoutMs} ms`),
        )
      }, timeoutMs)
      const check = () => {
        if (!has()) return
        clearTimeout(timer)
        this.promptWaiters.delete(check)
        resolve()
      }
      this.promptWaiters.add(check)
    })
  }

  /** Approves the oldest waiting prompt, as a click on "Confirm" would. */
  async approveNext(): Promise<void> {
    const prompt = this.prompts.shift()
    if (!prompt) throw new Error('No wallet prompt to approve')
    prompt.resolve(await prompt.approve())
  }

  /** Rejects the oldest waiting prompt (4001), as a click on "Cancel" would. */
  rejectNext(): void {
    const prompt = this.prompts.shift()
    if (!prompt) throw new Error('No wallet prompt to reject')
    prompt.resolve({ error: rejected })
  }

  /** Makes another account active and tells connected pages, as MetaMask's account picker does. */
  async switchAccount(position: number): Promise<void> {
    if (!this.accounts[position]) throw new Error(`No account ${position}`)
    this.active = position
    if (this.connected) await this.emit('accountsChanged', [this.address])
  }

  /** Disconnects from the wallet side (revokes the permission). */
  async revoke(): Promise<void> {
    this.connected = false
    await this.emit('accountsChanged', [])
  }

  /** Tells every open page's provider about `event`; never rejects (each page's is caught). */
  private async emit(event: string, payload: unknown): Promise<void> {
    await Promise.all(
      this.context
        .pages()
        .map((page) =>
          page
            .evaluate(
              `window.__testWalletEmit && window.__testWalletEmit(${JSON.stringify(event)}, ${JSON.stringify(payload)})`,
            )
            .catch(() => undefined),
        ),
    )
  }

  private async handle(method: string, params: unknown): Promise<Answer> {
    this.log.push({ method, params, at: Date.now() })
    try {
      switch (method) {
        case 'eth_chainId':
          return { result: numberToHex(this.chainId) }
        case 'net_version':
          return { result: String(this.chainId) }
        case 'eth_accounts':
          return { result: this.connected ? [this.address] : [] }
        case 'eth_requestAccounts':
          if (this.connected) return { result: [this.address] }
          return this.prompt(method, params, async () => {
            await this.connect()
            return { result: [this.address] }
          })
        case 'wallet_requestPermissions':
          return this.prompt(method, params, async () => {
            await this.connect()
            return { result: this.permissions() }
          })
        case 'wallet_getPermissions':
          return { result: this.connected ? this.permissions() : [] }
        case 'wallet_revokePermissions':
          this.connected = false
          // eslint-disable-next-line @typescript-eslint/no-floating-promises -- emit never rejects
          setTimeout(() => void this.emit('accountsChanged', []), 0)
          return { result: null }
        case 'personal_sign': {
          const [data, from] = params as [Hex, string]
          if (!this.connected || String(from).toLowerCase() !== this.address)
            return { error: unauthorized }
          const account = this.accounts[this.active]!
          return this.prompt(method, params, async () => ({
            result: await account.signMessage({ message: isHex(data) ? { raw: data } : data }),
          }))
        }
        case 'wallet_switchEthereumChain': {
          const [{ chainId }] = params as [{ chainId: string }]
          if (Number(chainId) !== this.chainId) {
            return { error: { code: 4902, message: `Unrecognized chain ID "${chainId}".` } }
          }
          return { result: null }
        }
        default:
          return { error: { code: 4200, message: `The test wallet does not support ${method}.` } }
      }
    } catch (error) {
      return { error: { code: -32603, message: (error as Error).message } }
    }
  }

  /** A request that needs the user: answered by the mode, or parked for the test (manual). */
  private prompt(
    method: string,
    params: unknown,
    approve: () => Promise<Answer>,
  ): Promise<Answer> | Answer {
    const isConnect = method === 'wallet_requestPermissions' || method === 'eth_requestAccounts'
    if (isConnect && this.prompts.some((prompt) => prompt.method === method)) {
      return {
        error: {
          code: -32002,
          message: `Request of type '${method}' already pending for origin. Please wait.`,
        },
      }
    }
    if (this.mode === 'approve') return approve()
    if (this.mode === 'reject') return { error: rejected }
    return new Promise<Answer>((resolve) => {
      this.prompts.push({ method, params, resolve, approve })
      for (const waiter of [...this.promptWaiters]) waiter()
    })
  }

  private async connect(): Promise<void> {
    const first = !this.connected
    this.connected = true
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- emit never rejects
    if (first) setTimeout(() => void this.emit('accountsChanged', [this.address]), 0)
  }

  private permissions() {
    return [
      {
        parentCapability: 'eth_accounts',
        invoker: 'http://127.0.0.1',
        caveats: [{ type: 'restrictReturnedAccounts', value: [this.address] }],
      },
    ]
  }
}
