import { useQuery } from '@tanstack/react-query'
import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { MarketInfo, TradesResponse } from '../../../../shared/api/index.ts'
import { LoadError } from '../../components/LoadError.tsx'
import { formatUnits } from '../../lib/format.ts'
import { formatFullTime, formatTimeOfDay } from '../../lib/formatTime.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import type { Theme } from '../../lib/theme.ts'
import { useTheme } from '../../lib/useTheme.ts'
import { tradeFeedQueryOptions } from '../../lib/tradeFeed.ts'
import { tradeHistoryQueryOptions } from '../../lib/tradeHistory.ts'
import { useQueryDataNow } from '../../lib/useQueryDataNow.ts'
import { DepthChart } from './DepthChart.tsx'
import { planCandleDraw, type CandleDraw } from './planCandleDraw.ts'
import {
  browserZoneOffsetMs,
  buildCandles,
  candleIntervals,
  type Candle,
  type CandleInterval,
} from './buildCandles.ts'

/** A price or amount in base units as a chart number (display only; never used for money). */
function toChartNumber(units: bigint, decimals: number): number {
  return Number(units) / 10 ** decimals
}

/**
 * Candles (1m, 5m, 1h, 1d) with volume, from the market's trades at their batch times, drawn
 * with TradingView's lightweight-charts; the time axis reads in the user's time zone. Canvas is
 * not readable by assistive technology, so the last candle is also said in text.
 */
export function PriceChart(props: { market: MarketInfo; primary: ReplicaRef | undefined }) {
  const { market, primary } = props
  const [interval, setCandleInterval] = useState<CandleInterval>('1m')
  const [kind, setKind] = useState<'candles' | 'depth'>('candles')
  const historyQuery = tradeHistoryQueryOptions(primary, market.id)
  const feedQuery = tradeFeedQueryOptions(primary, market.id)
  // The queries fetch; their data is read as the stream changes it (`useQueryDataNow`).
  const history = useQuery(historyQuery)
  useQuery(feedQuery)
  const historyData = useQueryDataNow<TradesResponse>(historyQuery.queryKey)
  const feedData = useQueryDataNow<TradesResponse>(feedQuery.queryKey)
  const candles = useMemo(
    () =>
      buildCandles({
        trades: [...(historyData?.trades ?? []), ...(feedData?.trades ?? [])],
        interval,
        zoneOffsetMs: browserZoneOffsetMs,
      }),
    [historyData, feedData, interval],
  )
  const last = candles.at(-1)
  // Trades are numbered per market; the newest drawn one tells which batches the canvas shows.
  const lastSeq = Math.max(feedData?.trades[0]?.seq ?? 0, historyData?.trades[0]?.seq ?? 0)

  return (
    <section className="panel chart" aria-labelledby="chart-title" data-testid="chart">
      <header className="panel-head">
        <h2 id="chart-title">Chart</h2>
        <div className="row gap">
          <div className="segmented small" role="radiogroup" aria-label="Chart kind">
            {(['candles', 'depth'] as const).map((item) => (
              <button
                key={item}
                type="button"
                role="radio"
                aria-checked={kind === item}
                className={`seg ${kind === item ? 'on' : ''}`}
                onClick={() => setKind(item)}
                data-testid={`chart-kind-${item}`}
              >
                {item === 'candles' ? 'Candles' : 'Depth'}
              </button>
            ))}
          </div>
          {kind === 'candles' && (
            <div className="segmented small" role="radiogroup" aria-label="Candle interval">
              {(Object.keys(candleIntervals) as CandleInterval[]).map((item) => (
                <button
                  key={item}
                  type="button"
                  role="radio"
                  aria-checked={interval === item}
                  className={`seg ${interval === item ? 'on' : ''}`}
                  onClick={() => setCandleInterval(item)}
                  data-testid={`chart-interval-${item}`}
                >
                  {item}
                </button>
              ))}
            </div>
          )}
        </div>
      </header>
      {kind === 'depth' ? (
        <DepthChart market={market} />
      ) : (
        <>
          {history.isError && (
            <LoadError
              testId="chart-error"
              message="Could not load the trade history for the chart."
              // TanStack's refetch never rejects: a failure lands in the query's state.
              // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
              onRetry={() => void history.refetch()}
            />
          )}
          <CandleCanvas
            candles={candles}
            lastSeq={lastSeq}
            market={market}
            view={`${market.id} ${interval}`}
          />
          <p
            className="chart-summary small muted"
            data-testid="chart-summary"
            data-candles={candles.length}
            data-last-close={last?.close.toString()}
            data-last-start={last?.start}
            aria-live="off"
          >
            {last === undefined
              ? history.isError
                ? 'No candles: the trade history could not be loaded.'
                : history.isPending
                  ? 'Loading trades…'
                  : 'No trades yet: the chart starts with the first trade.'
              : describeCandle(last, interval, market)}
          </p>
        </>
      )}
    </section>
  )
}

function describeCandle(candle: Candle, interval: CandleInterval, market: MarketInfo): string {
  const price = (units: bigint) => formatUnits(units, market.quoteDecimals, 2)
  const context = { now: Date.now() }
  return (
    `Last ${interval} candle, from ${formatTimeOfDay(candle.start, context)}: ` +
    `open ${price(candle.open)}, high ${price(candle.high)}, low ${price(candle.low)}, ` +
    `close ${price(candle.close)} ${market.quote}; ` +
    `volume ${formatUnits(candle.volume, market.baseDecimals, 4)} ${market.base} ` +
    `in ${candle.trades} trade${candle.trades === 1 ? '' : 's'}`
  )
}

/** The canvas cannot read CSS variables: the themes' colours (styles.css) once more. */
const themeColors: Record<
  Theme,
  Record<'text' | 'grid' | 'up' | 'down' | 'upVolume' | 'downVolume', string>
> = {
  dark: {
    text: '#8a94a8',
    grid: 'rgba(35, 43, 59, 0.6)',
    up: '#22c55e',
    down: '#fb7185',
    upVolume: 'rgba(34, 197, 94, 0.35)',
    downVolume: 'rgba(244, 63, 94, 0.35)',
  },
  light: {
    text: '#545e6f',
    grid: 'rgba(221, 227, 236, 0.8)',
    up: '#166534',
    down: '#be123c',
    upVolume: 'rgba(21, 128, 61, 0.3)',
    downVolume: 'rgba(190, 18, 60, 0.3)',
  },
}

/**
 * Widest a candle's slot may be, in CSS pixels: fitting a handful of candles to the chart's
 * width (a market's first minutes, a new interval) would otherwise stretch one candle across
 * half of it. Capped, few candles keep their shape at the right edge, as on any exchange.
 */
const maxCandleSpacingPx = 24

/** The canvas: made once per mount, fed new data as candles change. */
function CandleCanvas(props: {
  candles: readonly Candle[]
  /** `seq` of the newest trade in `candles`, set on the canvas once drawn (`data-drawn-seq`). */
  lastSeq: number
  market: MarketInfo
  /** What is shown (market and interval): a new one fits the time axis to its candles. */
  view: string
}) {
  const { candles, lastSeq, market, view } = props
  const { theme } = useTheme()
  const colors = themeColors[theme]
  const fitted = useRef<string | undefined>(undefined)
  /** The candles on the canvas, and what they were drawn for (view and colours). */
  const shown = useRef<{ candles: readonly Candle[]; drawnFor: unknown[] }>({
    candles: [],
    drawnFor: [],
  })
  const container = useRef<HTMLDivElement>(null)
  const chart = useRef<
    | { api: IChartApi; price: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'> }
    | undefined
  >(undefined)

  useEffect(() => {
    const element = container.current
    if (element === null) return
    // Times reach the chart shifted into the user's time zone, since it labels them as UTC.
    const api = createChart(element, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: 'transparent' },
        fontSize: 11,
      },
      rightPriceScale: { borderVisible: false },
      timeScale: {
        borderVisible: false,
        timeVisible: true,
        secondsVisible: false,
        maxBarSpacing: maxCandleSpacingPx,
        rightOffset: 2,
      },
      localization: {
        timeFormatter: (time: number) =>
          formatFullTime(time * 1000 - browserZoneOffsetMs(time * 1000), { now: Date.now() }),
      },
    })
    const price = api.addSeries(CandlestickSeries, {
      borderVisible: false,
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    })
    price.priceScale().applyOptions({ scaleMargins: { top: 0.1, bottom: 0.28 } })
    const volume = api.addSeries(HistogramSeries, {
      priceFormat: { type: 'volume' },
      priceScaleId: '',
      lastValueVisible: false,
      priceLineVisible: false,
    })
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } })
    chart.current = { api, price, volume }
    return () => {
      chart.current = undefined
      api.remove()
    }
  }, [])

  // Colours follow the theme; the volume bars' colours come with the data below.
  useEffect(() => {
    const current = chart.current
    if (current === undefined) return
    current.api.applyOptions({
      layout: { textColor: colors.text },
      grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
    })
    current.price.applyOptions({
      upColor: colors.up,
      downColor: colors.down,
      wickUpColor: colors.up,
      wickDownColor: colors.down,
    })
  }, [colors])

  useEffect(() => {
    const current = chart.current
    if (current === undefined) return
    const time = (candle: Candle) =>
      ((candle.start + browserZoneOffsetMs(candle.start)) / 1000) as UTCTimestamp
    const bar = (candle: Candle) => ({
      time: time(candle),
      open: toChartNumber(candle.open, market.quoteDecimals),
      high: toChartNumber(candle.high, market.quoteDecimals),
      low: toChartNumber(candle.low, market.quoteDecimals),
      close: toChartNumber(candle.close, market.quoteDecimals),
    })
    const volumeBar = (candle: Candle) => ({
      time: time(candle),
      value: toChartNumber(candle.volume, market.baseDecimals),
      color: candle.close >= candle.open ? colors.upVolume : colors.downVolume,
    })
    // Another market, interval or theme: every candle anew.
    const drawnFor = [market.id, view, colors]
    const sameView = drawnFor.every((item, index) => shown.current.drawnFor[index] === item)
    const plan: CandleDraw = sameView
      ? planCandleDraw(shown.current.candles, candles)
      : { kind: 'set' }
    if (plan.kind === 'set') {
      current.price.setData(candles.map(bar))
      current.volume.setData(candles.map(volumeBar))
    } else if (plan.kind === 'update') {
      for (const candle of candles.slice(plan.from)) {
        current.price.update(bar(candle))
        current.volume.update(volumeBar(candle))
      }
    }
    shown.current = { candles, drawnFor }
    if (fitted.current !== view && candles.length > 0) {
      fitted.current = view
      current.api.timeScale().fitContent()
    }
    container.current?.setAttribute(
      'data-bar-spacing',
      String(Math.round(current.api.timeScale().options().barSpacing)),
    )
    // Set after the data: the library draws it in the next animation frame.
    container.current?.setAttribute('data-drawn-seq', String(lastSeq))
  }, [candles, lastSeq, market, view, colors])

  // Not hidden from assistive technology: the canvas says nothing, but the library's
  // attribution link in it is focusable (the candle is said in text below).
  return <div className="chart-canvas" ref={container} />
}
