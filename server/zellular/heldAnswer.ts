/**
 * A held answer that shows the node is alive while it holds (our extension): once a beat has
 * passed, the status and headers with a space, then a space every beat (JSON allows leading
 * whitespace), then the answer. Used for a follower's held `PUT /sequencer/batches` (`beat_ms`)
 * and a reader's long-poll of finalized batches (`&beat=`): the other side notices a paused or
 * cut-off node a beat and a margin after it falls silent, whatever the hold, at the cost of a few
 * bytes a second, not of requests every few seconds. A hold that ends within its first beat
 * (under load, most) is a plain answer.
 */

/**
 * The beat a follower asks for: with `HELD_SILENCE_MARGIN_MS` it sets how soon a follower notices
 * a paused sequencer (1.5 s), at a space a half-second on each held PUT (a write on the sequencer,
 * a wake-up on the follower: some microseconds).
 */
export const HOLD_BEAT_MS = 500

/** Beats a follower may ask for: none so short that asking for it floods the sequencer. */
const BEAT_MIN_MS = 250
const BEAT_MAX_MS = 5_000

/**
 * `answer` as `respond` makes it if it resolves within a beat: one write on the socket, where a
 * stream costs one for its headers, one per beat and one for its end, each a wake-up of the
 * other side too. Otherwise streamed: a space now, one every beat, then `text` of the answer
 * (its JSON by default), with status 200, sent before the answer was known.
 */
export async function heldAnswer<T>(
  beatMs: number,
  answer: Promise<T>,
  respond: (value: T) => Response,
  text: (value: T) => string = (value) => JSON.stringify(value),
): Promise<Response> {
  const every = Math.min(BEAT_MAX_MS, Math.max(BEAT_MIN_MS, beatMs))
  let timer: NodeJS.Timeout | undefined
  const beat = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), every)
  })
  const early = await Promise.race([answer.then((value) => ({ value })), beat]).finally(() =>
    clearTimeout(timer),
  )
  return early === undefined ? streamHeldAnswer(every, answer.then(text)) : respond(early.value)
}

function streamHeldAnswer(every: number, answer: Promise<string>): Response {
  const encoder = new TextEncoder()
  let timer: NodeJS.Timeout | undefined
  // The other side may leave first (a follower whose new client batches end its hold): nothing
  // is written then.
  let open = true
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = (last: () => void) => {
        clearInterval(timer)
        if (!open) return
        open = false
        last()
      }
      controller.enqueue(encoder.encode(' '))
      timer = setInterval(() => controller.enqueue(encoder.encode(' ')), every)
      answer.then(
        (value) =>
          end(() => {
            controller.enqueue(encoder.encode(value))
            controller.close()
          }),
        (error: unknown) => end(() => controller.error(error)),
      )
    },
    cancel() {
      open = false
      clearInterval(timer)
    },
  })
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'application/json' } })
}
