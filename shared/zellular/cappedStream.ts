/**
 * A byte stream read to text with a size cap counted as chunks arrive: past `maxBytes` the
 * stream is cancelled (for an HTTP body, the connection is dropped and the rest never read)
 * and the answer is null. Used for every body a peer or a client may make arbitrarily long:
 * the SDK's node answers, node-to-node answers, and request bodies the servers read.
 */
export async function readCappedText(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  /** Called as each chunk arrives (a reader timing the silences between them). */
  onChunk: () => void = () => {},
): Promise<{ text: string } | { tooLarge: number }> {
  if (stream === null) return { text: '' }
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    onChunk()
    size += value.byteLength
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined)
      return { tooLarge: size }
    }
    parts.push(decoder.decode(value, { stream: true }))
  }
  parts.push(decoder.decode())
  return { text: parts.join('') }
}
