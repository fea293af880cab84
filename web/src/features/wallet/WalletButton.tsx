import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { useConnect, useConnection, useConnectors, useDisconnect, type Connector } from 'wagmi'
import { shortAddress } from '../../lib/format.ts'
import { useDialogFocus } from '../../lib/useDialogFocus.ts'
import { legacyInjectedId } from '../../lib/wagmi.ts'
import { classifyWalletError } from '../../lib/walletErrors.ts'

/** Wallets to offer: announced (EIP-6963) ones, or the legacy `window.ethereum` if none. */
function useWalletChoices(): readonly Connector[] {
  const connectors = useConnectors()
  const announced = connectors.filter((connector) => connector.id !== legacyInjectedId)
  if (announced.length > 0) return announced
  const hasLegacy = typeof window !== 'undefined' && 'ethereum' in window && window.ethereum
  return hasLegacy ? connectors.filter((connector) => connector.id === legacyInjectedId) : []
}

/**
 * The header's wallet control: "Connect wallet" opening the wallet list, a skeleton while a
 * previous session reconnects silently, and the account menu once connected.
 */
export function WalletButton() {
  const connection = useConnection()
  const [open, setOpen] = useState(false)
  const close = useCallback(() => setOpen(false), [])
  if (connection.status === 'reconnecting') {
    return (
      <button
        className="btn wallet-btn skeleton"
        disabled
        data-testid="wallet-status"
        data-status="reconnecting"
      >
        Reconnecting…
      </button>
    )
  }
  if (connection.status === 'connected' && connection.address) {
    return (
      <AccountMenu
        address={connection.address}
        walletName={connection.connector?.name ?? 'Wallet'}
      />
    )
  }
  return (
    <>
      <button
        className="btn btn-primary wallet-btn"
        onClick={() => setOpen(true)}
        data-testid="connect-wallet"
        data-status={connection.status}
      >
        Connect wallet
      </button>
      {open && <ConnectDialog onClose={close} />}
    </>
  )
}

function ConnectDialog(props: { onClose: () => void }) {
  const choices = useWalletChoices()
  const connect = useConnect()
  const connection = useConnection()
  const titleId = useId()
  const dialogRef = useRef<HTMLDivElement>(null)
  const { onClose } = props

  useEffect(() => {
    if (connection.status === 'connected') onClose()
  }, [connection.status, onClose])
  useDialogFocus(dialogRef, onClose)

  const errorKind = connect.error ? classifyWalletError(connect.error) : undefined
  let state: 'idle' | 'connecting' | 'rejected' | 'pending' | 'error' = 'idle'
  if (connect.isPending) state = 'connecting'
  else if (errorKind === 'rejected') state = 'rejected'
  else if (errorKind === 'pending') state = 'pending'
  else if (connect.error) state = 'error'
  const pendingName =
    connect.variables && 'name' in connect.variables.connector
      ? connect.variables.connector.name
      : 'your wallet'

  return (
    <div
      className="overlay"
      onMouseDown={(event) => event.target === event.currentTarget && onClose()}
    >
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        ref={dialogRef}
        data-testid="connect-dialog"
        data-state={state}
      >
        <div className="dialog-head">
          <h2 id={titleId}>Connect a wallet</h2>
          <button className="icon-btn" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </div>
        {choices.length === 0 ? (
          <div className="empty" data-testid="no-wallet">
            <p className="empty-title">No wallet detected</p>
            <p className="muted">
              Install MetaMask (or another EIP-6963 wallet) in this browser, then reload the page.
            </p>
          </div>
        ) : (
          <ul className="wallet-list">
            {choices.map((connector) => (
              <li key={connector.uid}>
                <button
                  className="wallet-choice"
                  disabled={connect.isPending}
                  onClick={() => connect.mutate({ connector })}
                  data-testid={`wallet-${connector.id}`}
                >
                  {connector.icon ? (
                    <img src={connector.icon} alt="" width={28} height={28} />
                  ) : (
                    <span className="wallet-icon" />
                  )}
                  <span className="wallet-name">{connector.name}</span>
                  <span className="muted small">
                    {connector.id === legacyInjectedId ? 'Browser wallet' : 'Installed'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <div
          className="dialog-status"
          role="status"
          aria-live="polite"
          data-testid="connect-status"
        >
          {state === 'connecting' && (
            <p>
              <span className="spinner" aria-hidden /> Confirm the connection in {pendingName}…
            </p>
          )}
          {state === 'rejected' && (
            <p className="warn">You rejected the connection request. You can try again.</p>
          )}
          {state === 'pending' && (
            <p className="warn">
              A connection request is already open in your wallet. Open MetaMask to finish it.
            </p>
          )}
          {state === 'error' && <p className="error">{connect.error?.message.split('\n')[0]}</p>}
        </div>
        <p className="muted small">
          Connecting shares your address only. Every transfer or order is a plain-text message you
          read and sign; nothing is signed without your approval.
        </p>
      </div>
    </div>
  )
}

function AccountMenu(props: { address: `0x${string}`; walletName: string }) {
  const disconnect = useDisconnect()
  const [open, setOpen] = useState(false)
  const [copied, setCopied] = useState(false)
  return (
    <div className="account-menu">
      <button
        className="btn wallet-btn connected"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        data-testid="account-button"
        data-address={props.address.toLowerCase()}
        title={props.address}
      >
        <span className="dot dot-ok" aria-hidden />
        {shortAddress(props.address)}
      </button>
      {open && (
        <div className="menu" role="menu">
          <div className="menu-head">
            <span className="muted small">Connected with {props.walletName}</span>
            <code className="mono small">{props.address}</code>
          </div>
          <button
            role="menuitem"
            onClick={() => {
              navigator.clipboard
                ?.writeText(props.address)
                .then(() => setCopied(true))
                .catch((error: unknown) => console.error('Copying the address failed:', error))
            }}
          >
            {copied ? 'Copied' : 'Copy address'}
          </button>
          <button
            role="menuitem"
            data-testid="disconnect"
            onClick={() => {
              setOpen(false)
              disconnect.mutate()
            }}
          >
            Disconnect
          </button>
        </div>
      )}
    </div>
  )
}
