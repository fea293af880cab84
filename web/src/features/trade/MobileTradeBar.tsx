import type { MarketInfo } from '../../../../shared/api/index.ts'

/**
 * On phones, a Buy and a Sell button stuck to the bottom of the screen: either one sets the
 * order form's side, brings the form into view and puts the cursor in its amount.
 */
export function MobileTradeBar(props: {
  market: MarketInfo
  onChoose: (side: 'buy' | 'sell') => void
}) {
  const { market, onChoose } = props
  const choose = (side: 'buy' | 'sell') => {
    onChoose(side)
    const form = document.querySelector<HTMLElement>('[data-testid="order-form"]')
    form?.scrollIntoView({ block: 'start' })
    form?.querySelector<HTMLInputElement>('[data-testid="order-quantity"]')?.focus({
      preventScroll: true,
    })
  }
  return (
    <nav className="trade-bar" aria-label="Trade" data-testid="trade-bar">
      <button type="button" className="btn btn-buy" onClick={() => choose('buy')}>
        Buy {market.base}
      </button>
      <button type="button" className="btn btn-sell" onClick={() => choose('sell')}>
        Sell {market.base}
      </button>
    </nav>
  )
}
