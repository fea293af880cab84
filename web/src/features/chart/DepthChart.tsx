import type { MarketInfo } from '../../../../shared/api/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { useOrderbook } from '../../lib/live.tsx'
import { buildDepth, type DepthPoint } from './buildDepth.ts'

const width = 600
const height = 160

/**
 * The live book as depth curves: cumulative size from the best bid down (green) and the best
 * ask up (red), within 20 % of the mid price, drawn as SVG steps; a sentence says the same for
 * readers that cannot see it.
 */
export function DepthChart(props: { market: MarketInfo }) {
  const { market } = props
  const view = useOrderbook(market.id)
  const depth = view.book ? buildDepth(view.book) : { bids: [], asks: [], mid: undefined }
  const points = [...depth.bids, ...depth.asks]
  const bidTotal = depth.bids.at(-1)?.cumulative ?? 0n
  const askTotal = depth.asks.at(-1)?.cumulative ?? 0n
  const size = (units: bigint) => `${formatUnits(units, market.baseDecimals, 4)} ${market.base}`
  const price = (units: bigint) => formatUnits(units, market.quoteDecimals, 2)

  let body = null
  if (points.length > 0) {
    const prices = points.map((point) => point.price)
    const low = prices.reduce((a, b) => (b < a ? b : a))
    const high = prices.reduce((a, b) => (b > a ? b : a))
    const top = bidTotal > askTotal ? bidTotal : askTotal
    // Positions are display-only numbers; amounts stay bigint everywhere else.
    const span = Number(high - low) || 1
    const x = (units: bigint) => (high === low ? width / 2 : (Number(units - low) / span) * width)
    const y = (units: bigint) => height - (Number(units) / Number(top || 1n)) * (height - 8)
    const path = (side: readonly DepthPoint[], toward: 'left' | 'right') => {
      if (side.length === 0) return ''
      let d = `M ${x(side[0]!.price)} ${height}`
      let previous = 0n
      for (const point of side) {
        d += ` L ${x(point.price)} ${y(previous)} L ${x(point.price)} ${y(point.cumulative)}`
        previous = point.cumulative
      }
      const edge = toward === 'left' ? 0 : width
      return `${d} L ${edge} ${y(previous)} L ${edge} ${height} Z`
    }
    body = (
      <svg
        className="depth-svg"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        aria-hidden
      >
        <path d={path(depth.bids, 'left')} className="depth-bids" />
        <path d={path(depth.asks, 'right')} className="depth-asks" />
      </svg>
    )
  }
  return (
    <div className="depth" data-testid="depth-chart">
      <div className="depth-plot">{body}</div>
      <p
        className="chart-summary small muted"
        data-testid="depth-summary"
        data-bid-depth={bidTotal.toString()}
        data-ask-depth={askTotal.toString()}
      >
        {view.book === undefined
          ? 'Loading the book…'
          : points.length === 0
            ? 'Empty book: no depth to draw.'
            : `Bids ${size(bidTotal)}${depth.bids.length > 0 ? ` down to ${price(depth.bids.at(-1)!.price)}` : ''}; ` +
              `asks ${size(askTotal)}${depth.asks.length > 0 ? ` up to ${price(depth.asks.at(-1)!.price)}` : ''} ` +
              `(within 20 % of ${price(depth.mid!)})`}
      </p>
    </div>
  )
}
