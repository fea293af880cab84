/**
 * A held `PUT /sequencer/batches` answer that shows the sequencer is alive while it holds
 * (`beat_ms`, our extension): the status and headers at once, then a space every beat (JSON
 * allows leading whitespace), then the answer. A follower holding a PUT for seconds notices a
 * paused or cut-off sequencer a beat and a margin after it falls silent, at the cost of a few
 * bytes a second, not of PUTs (a BLS signature and a pairing each) every few seconds.
 */

/** The beat a follower asks for. */
export const HOLD_BEAT_MS = 1_000

/** Beats a follower may ask for: none so short that asking for it floods the sequencer. */
const BEAT_MIN_MS = 250
const BEAT_MAX_MS = 5_000

/** Streams `answer` (JSON once it resolves) after a space now and one every `beatMs`. */
export function streamHeldAnswer(beatMs: number, answer: Promise<unknown>): Response {
  const every = Math.min(BEAT_MAX_MS, Math.max(BEAT_MIN_MS, beatMs))
  const encoder = new TextEncoder()
  let timer: NodeJS.Timeout | undefined
  // The follower may leave first (new client batches end its hold): nothing is written then.
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
            controller.enqueue(encoder.encode(JSON.stringify(value)))
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
