import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useConnection } from 'wagmi'
import type { MarketInfo } from '../../shared/api/index.ts'
import { LiveIndicator } from './features/book/LiveIndicator.tsx'
import { OrderBook } from './features/book/OrderBook.tsx'
import { RecentTrades } from './features/book/RecentTrades.tsx'
import { BalancesPanel } from './features/balances/BalancesPanel.tsx'
import { NetworkPanel } from './features/network/NetworkPanel.tsx'
import { PriceChart } from './features/chart/PriceChart.tsx'
import { MarketStats } from './features/market/MarketStats.tsx'
import { NotificationsProvider } from './features/notifications/NotificationsProvider.tsx'
import { ActivityPanel } from './features/orders/ActivityPanel.tsx'
import { RequestsProvider } from './features/requests/RequestsProvider.tsx'
import { OrderForm, type ChosenSide, type PickedPrice } from './features/trade/OrderForm.tsx'
import { MobileTradeBar } from './features/trade/MobileTradeBar.tsx'
import { TransferForm } from './features/transfer/TransferForm.tsx'
import { WalletButton } from './features/wallet/WalletButton.tsx'
import { ThemeToggle } from './components/ThemeToggle.tsx'
import { LiveProvider, usePrimaryReplica } from './lib/live.tsx'
import { marketIdFromSearch, searchWithMarket } from './lib/marketUrl.ts'
import { prepareVerifier } from './lib/queries.ts'
import { fetchRegistry, type AppRegistry } from './lib/registry.ts'
import { useMediaQuery } from './lib/useMediaQuery.ts'

/** Loads the registry (the trust root), then the trading screen. */
export function App() {
  const registry = useQuery({
    queryKey: ['registry'],
    queryFn: ({ signal }) => fetchRegistry(signal),
    staleTime: Infinity,
    retry: 2,
  })
  if (registry.data === undefined) {
    return (
      <div className="boot" role="status" aria-live="polite">
        <Brand />
        {registry.isError ? (
          <>
            <p className="error">Cannot load the replica registry from this server.</p>
            <button
              className="btn"
              // TanStack's refetch never rejects: a failure lands in the query's state.
              // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
              onClick={() => void registry.refetch()}
            >
              Retry
            </button>
          </>
        ) : (
          <p className="muted">
            <span className="spinner" aria-hidden /> Loading network…
          </p>
        )}
      </div>
    )
  }
  return <Connected registry={registry.data} />
}

/** After the first paint and the book's first reads, which come first. */
const verifierPreloadDelayMs = 500

function Connected(props: { registry: AppRegistry }) {
  const { registry } = props
  const connection = useConnection()
  const address = connection.status === 'connected' ? connection.address : undefined
  const queryClient = useQueryClient()

  // The BLS verifier loads after the first paint while the visitor looks and connects, so the
  // first check of a portfolio waits for no WebAssembly.
  useEffect(() => {
    const timer = setTimeout(() => prepareVerifier(registry), verifierPreloadDelayMs)
    return () => clearTimeout(timer)
  }, [registry])

  // A new account starts clean: drop the previous account's cached reads.
  const previous = useRef<string | undefined>(address)
  useEffect(() => {
    const old = previous.current
    previous.current = address
    if (old && old !== address) {
      queryClient.removeQueries({ queryKey: ['orders', old.toLowerCase()] })
      queryClient.removeQueries({ queryKey: ['verifiedPortfolio', old.toLowerCase()] })
    }
  }, [address, queryClient])

  return (
    <LiveProvider registry={registry} address={address}>
      <NotificationsProvider registry={registry} address={address}>
        <RequestsProvider registry={registry} address={address}>
          <TradingScreen key={address ?? 'guest'} registry={registry} address={address} />
        </RequestsProvider>
      </NotificationsProvider>
    </LiveProvider>
  )
}

function TradingScreen(props: { registry: AppRegistry; address: `0x${string}` | undefined }) {
  const { registry, address } = props
  const marketIds = registry.markets.map((item) => item.id)
  const [marketId, setMarketId] = useState(
    () => marketIdFromSearch(window.location.search, marketIds) ?? marketIds[0] ?? '',
  )
  const market = registry.marketById(marketId)
  const primary = usePrimaryReplica(registry)
  const [picked, setPicked] = useState<PickedPrice>()
  const [chosenSide, setChosenSide] = useState<ChosenSide>()
  const compact = useMediaQuery('(max-width: 900px)')
  const short = useMediaQuery('(max-height: 820px)')
  const rows = compact ? 8 : short ? 9 : 11

  // The address names the market (`?market=BTC-USDT`); Back and Forward move between markets.
  useEffect(() => {
    const onPopState = () => {
      const named = marketIdFromSearch(window.location.search, marketIds)
      if (named !== undefined) {
        setPicked(undefined)
        setChosenSide(undefined)
        setMarketId(named)
      }
    }
    window.addEventListener('popstate', onPopState)
    return () => window.removeEventListener('popstate', onPopState)
    // Once: the registry's market list never changes while the page is open.
  }, [])
  useEffect(() => {
    document.title = `${marketId} · Zellular Orderbook`
  }, [marketId])

  if (market === undefined)
    return (
      <div className="boot">
        <Brand />
        <p className="error">No markets configured.</p>
      </div>
    )
  return (
    <div className="app">
      <header className="topbar">
        <Brand />
        <MarketTitle
          registry={registry}
          market={market}
          onChange={(id) => {
            // A price or side picked in one market means nothing in another.
            setPicked(undefined)
            setChosenSide(undefined)
            setMarketId(id)
            window.history.pushState(null, '', searchWithMarket(window.location.search, id))
          }}
          primary={primary}
        />
        <div className="topbar-right">
          <LiveIndicator />
          <ThemeToggle />
          <span className="tag tag-dim net-tag" title="Network">
            {registry.network}
          </span>
          <WalletButton />
        </div>
      </header>
      {/*
        Desktop: the book and the tape on the left, the chart over the activity tabs in the
        middle (both in view at 1440×900), order entry, balances, transfer and network on the
        right. Phones: one column in the order of styles.css, with a sticky Buy/Sell bar.
      */}
      <main className="grid">
        <div className="col col-book">
          <OrderBook
            market={market}
            primary={primary}
            address={address}
            rows={rows}
            onPick={(price, cumulative) =>
              setPicked((current) => ({
                market: market.id,
                price,
                ...(cumulative === undefined ? {} : { quantity: cumulative }),
                nonce: (current?.nonce ?? 0) + 1,
              }))
            }
          />
          <RecentTrades market={market} primary={primary} address={address} />
        </div>
        <div className="col col-center">
          <PriceChart key={market.id} market={market} primary={primary} />
          <ActivityPanel registry={registry} market={market} primary={primary} address={address} />
        </div>
        <div className="col col-side">
          {/* One form per market: fields typed for one market never carry into another. */}
          <OrderForm
            key={market.id}
            registry={registry}
            market={market}
            primary={primary}
            address={address}
            picked={picked?.market === market.id ? picked : undefined}
            chosenSide={chosenSide}
          />
          <BalancesPanel registry={registry} address={address} />
          {address ? (
            <TransferForm registry={registry} address={address} />
          ) : (
            <section className="panel transfer" aria-labelledby="transfer-title">
              <header className="panel-head">
                <h2 id="transfer-title">Transfer</h2>
              </header>
              <p className="muted pad">
                Connect a wallet to send tokens. You will see the exact text to sign before your
                wallet asks.
              </p>
            </section>
          )}
          <NetworkPanel registry={registry} primary={primary} />
        </div>
      </main>
      {compact && (
        <MobileTradeBar
          market={market}
          onChoose={(side) =>
            setChosenSide((current) => ({ side, nonce: (current?.nonce ?? 0) + 1 }))
          }
        />
      )}
    </div>
  )
}

function Brand() {
  return (
    <div className="brand">
      <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden>
        <rect width="32" height="32" rx="7" fill="var(--accent)" />
        <path
          d="M9 10h14L9 22h14"
          stroke="var(--on-accent)"
          strokeWidth="3"
          fill="none"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <span className="brand-name">
        Zellular <span className="muted">Orderbook</span>
      </span>
    </div>
  )
}

function MarketTitle(props: {
  registry: AppRegistry
  market: MarketInfo
  onChange: (id: string) => void
  primary: ReturnType<typeof usePrimaryReplica>
}) {
  const { registry, market, primary } = props
  return (
    <div className="market-title">
      {registry.markets.length > 1 ? (
        <select
          className="input compact"
          aria-label="Market"
          value={market.id}
          onChange={(event) => props.onChange(event.target.value)}
        >
          {registry.markets.map((item) => (
            <option key={item.id} value={item.id}>
              {item.id}
            </option>
          ))}
        </select>
      ) : (
        <h1 className="market-name">{market.id}</h1>
      )}
      <MarketStats market={market} primary={primary} />
    </div>
  )
}
