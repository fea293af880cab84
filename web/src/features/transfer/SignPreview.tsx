/** The exact text the wallet will be asked to sign, shown before it is asked. */
export function SignPreview(props: {
  text: string | undefined
  testId: string
  compact?: boolean
}) {
  return (
    <figure className={`sign-preview ${props.compact ? 'compact' : ''}`}>
      <figcaption className="muted small">You will sign exactly this text</figcaption>
      {props.text ? (
        <pre className="mono" data-testid={props.testId} tabIndex={0} aria-label="Text to sign">
          {props.text}
        </pre>
      ) : (
        <pre className="mono muted" aria-hidden>
          Fill in the form to see the message.
        </pre>
      )}
    </figure>
  )
}
