import { useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState } from 'react'
import { parseAddress } from '../../../../shared/intents/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { buildDraft, freshNonce } from '../../lib/intentDraft.ts'
import { verifiedPortfolioQueryOptions } from '../../lib/queries.ts'
import { readAmount } from '../../lib/readAmount.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import { RequestTimeline } from '../requests/RequestTimeline.tsx'
import { useRequests } from '../requests/RequestsProvider.tsx'
import { SignPreview } from './SignPreview.tsx'

interface FieldError {
  readonly field: 'to' | 'amount' | 'token'
  readonly text: string
}

/**
 * Send tokens to another address. The text the wallet will sign is shown, exactly, before the
 * wallet is asked; a fresh nonce is drawn after every attempt.
 */
export function TransferForm(props: { registry: AppRegistry; address: `0x${string}` }) {
  const { registry, address } = props
  const { submit, requests, dismiss } = useRequests()
  const [to, setTo] = useState('')
  const [token, setToken] = useState(registry.tokens[0]?.symbol ?? '')
  const [amount, setAmount] = useState('')
  const [nonce, setNonce] = useState(freshNonce)
  const [touched, setTouched] = useState<Record<string, boolean>>({})
  const [busy, setBusy] = useState(false)
  const balances = useQuery(verifiedPortfolioQueryOptions(registry, address))
  const ids = { to: useId(), token: useId(), amount: useId() }
  const decimals = registry.decimalsOf(token)
  const proof = balances.data?.byToken[token]
  const available = proof?.available
  const availableVerified = proof?.verified ?? false

  const errors = useMemo<FieldError[]>(() => {
    const list: FieldError[] = []
    const recipient = parseAddress(to.trim())
    if (to.trim() === '') list.push({ field: 'to', text: 'Enter a recipient address' })
    else if (!recipient.ok)
      list.push({
        field: 'to',
        text:
          recipient.reason === 'address_checksum_mismatch'
            ? 'Address checksum does not match'
            : 'Not a valid 0x address',
      })
    else if (recipient.value === address.toLowerCase())
      list.push({ field: 'to', text: 'That is your own address' })
    const units = readAmount(amount, decimals)
    if (amount.trim() === '') list.push({ field: 'amount', text: 'Enter an amount' })
    else if (!units.ok) list.push({ field: 'amount', text: units.text })
    else if (available !== undefined && units.units > available) {
      list.push({
        field: 'amount',
        text: `Exceeds available ${formatUnits(available, decimals)} ${token}`,
      })
    }
    return list
  }, [to, amount, decimals, available, token, address])

  const draft = useMemo(() => {
    const units = readAmount(amount, decimals)
    if (errors.length > 0 || !units.ok) return undefined
    const built = buildDraft(registry, address, nonce, {
      action: 'transfer',
      to: to.trim(),
      token,
      amount: units.text,
    })
    return built.ok ? built.draft : undefined
  }, [errors, registry, address, nonce, to, token, amount, decimals])

  const errorOf = (field: FieldError['field']) =>
    touched[field] ? errors.find((error) => error.field === field)?.text : undefined
  const buttonText = busy ? 'Confirm in wallet…' : (errors[0]?.text ?? 'Sign & send transfer')
  const mine = requests.filter((request) => request.action === 'transfer').slice(0, 2)

  return (
    <section className="panel transfer" aria-labelledby="transfer-title" data-testid="transfer">
      <header className="panel-head">
        <h2 id="transfer-title">Transfer</h2>
      </header>
      <form
        className="form pad"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          setTouched({ to: true, amount: true, token: true })
          if (!draft || busy) return
          setBusy(true)
          const units = readAmount(amount, decimals)
          submit(draft, `Send ${units.ok ? units.text : amount.trim()} ${token}`)
            .then((stage) => {
              setBusy(false)
              setNonce(freshNonce())
              if (stage === 'submitted') setAmount('')
            })
            .catch((error: unknown) => {
              setBusy(false)
              console.error('Submitting the transfer failed:', error)
            })
        }}
      >
        <label htmlFor={ids.to}>Recipient</label>
        <input
          id={ids.to}
          className={`input mono ${errorOf('to') ? 'invalid' : ''}`}
          placeholder="0x…"
          value={to}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setTo(event.target.value)}
          onBlur={() => setTouched((value) => ({ ...value, to: true }))}
          aria-invalid={!!errorOf('to')}
          aria-describedby={`${ids.to}-error`}
          data-testid="transfer-to"
        />
        <p className="field-error" id={`${ids.to}-error`}>
          {errorOf('to')}
        </p>
        <div className="row gap">
          <div className="grow">
            <label htmlFor={ids.amount}>Amount</label>
            <input
              id={ids.amount}
              className={`input num ${errorOf('amount') ? 'invalid' : ''}`}
              inputMode="decimal"
              placeholder="0.00"
              value={amount}
              onChange={(event) => setAmount(event.target.value)}
              onBlur={() => setTouched((value) => ({ ...value, amount: true }))}
              aria-invalid={!!errorOf('amount')}
              aria-describedby={`${ids.amount}-error`}
              data-testid="transfer-amount"
            />
          </div>
          <div>
            <label htmlFor={ids.token}>Token</label>
            <select
              id={ids.token}
              className="input"
              value={token}
              onChange={(event) => setToken(event.target.value)}
              data-testid="transfer-token"
            >
              {registry.tokens.map((item) => (
                <option key={item.symbol} value={item.symbol}>
                  {item.symbol}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p className="field-error" id={`${ids.amount}-error`}>
          {errorOf('amount')}
        </p>
        {available !== undefined && (
          <p className="muted small">
            Available{availableVerified ? '' : ' (unverified)'}:{' '}
            <button
              type="button"
              className="link"
              onClick={() =>
                setAmount(formatUnits(available, decimals, decimals).replace(/,/g, ''))
              }
            >
              {formatUnits(available, decimals)} {token}
            </button>
          </p>
        )}
        <SignPreview text={draft?.text} testId="transfer-preview" />
        <button
          className="btn btn-primary block"
          type="submit"
          disabled={!draft || busy}
          data-testid="transfer-submit"
        >
          {buttonText}
        </button>
      </form>
      <div className="requests pad-x" aria-live="polite">
        {mine.map((request) => (
          <RequestTimeline
            key={request.key}
            request={request}
            onDismiss={() => dismiss(request.key)}
          />
        ))}
      </div>
    </section>
  )
}
