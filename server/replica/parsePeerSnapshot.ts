import { z } from 'zod'
import { stateSnapshotSchema, type StateSnapshot } from '../../shared/api/index.ts'

/*
 * What V8 (Node.js 20) allocates at most per JSON value it parses, in bytes, from measurements
 * of `JSON.parse` on floods of each kind: an empty array takes 43 with its slot in the parent,
 * an empty object 67, an object of one member 96, a number 10, a short string 32, a string of 12
 * characters 40. Each value also takes a slot in its parent (8, and room to grow).
 */
const SLOT_BYTES = 16
const ARRAY_BYTES = 64
const OBJECT_BYTES = 96
const NUMBER_BYTES = 16
/** A string's header; its characters take one byte each, or two in a two-byte string. */
const STRING_BYTES = 24

/**
 * Distinct object keys, and the longest, an honest snapshot stays far under (it has about 25,
 * the longest 14 characters). Each new key costs V8 a new hidden class for the objects holding
 * it (about 190 bytes per object of a key of its own), which the costs above do not cover.
 */
const KEYS_MAX = 64
const KEY_BYTES_MAX = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const OPEN_ARRAY = 0x5b
const OPEN_OBJECT = 0x7b

/** A peer's snapshot, or why it was refused before anything in it was trusted. */
type PeerSnapshot = { readonly snapshot: StateSnapshot } | { readonly refused: string }

/**
 * Parses and checks a peer's `GET /snapshot` body at a cost this process can bear, whatever the
 * peer sent: a lying peer may send JSON whose parse takes many times its size (`[],` takes 43
 * bytes of heap for 3 of text), and a fatal out-of-memory is caught by nothing. So, before
 * `JSON.parse`, one pass over the bytes estimates the heap the parse and the text take (upper
 * bounds per value, above) and refuses bodies over `budgetBytes`, or with more object keys than
 * a snapshot has. The parsed value is then checked against `stateSnapshotSchema` one list
 * element at a time, stopping at the first bad one: checked whole, a list of a million wrong
 * elements made a million error reports (over 500 MB from 2 MB of text).
 * @param body The body as read (at most `budgetBytes`).
 * @param budgetBytes The heap the text and its parse may take.
 */
export function parsePeerSnapshot(body: Buffer, budgetBytes: number): PeerSnapshot {
  const cost = estimateParseCost(body)
  if ('refused' in cost) return cost
  if (cost.heapBytes > budgetBytes) {
    return {
      refused:
        `parsing it would take about ${megabytes(cost.heapBytes)} MB of heap, over the ` +
        `${megabytes(budgetBytes)} MB this replica gives a snapshot`,
    }
  }
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    return { refused: 'not JSON' }
  }
  return checkSnapshot(value)
}

/** The heap `JSON.parse` takes for `body` and its text at most, or why it is refused unparsed. */
function estimateParseCost(body: Buffer): { heapBytes: number } | { refused: string } {
  const keys = new Set<string>()
  const length = body.length
  let heapBytes = 0
  let wideText = false
  let i = 0
  while (i < length) {
    const byte = body[i]!
    if (byte === QUOTE) {
      const start = ++i
      let wide = false
      while (i < length && body[i] !== QUOTE) {
        // An escape may stand for a character over 0xff: counted as a two-byte string.
        if (body[i] === BACKSLASH) {
          wide = true
          i += 2
          continue
        }
        if (body[i]! >= 0x80) wide = true
        i++
      }
      const end = i++
      wideText ||= wide
      if (body[nextToken(body, i)] === COLON) {
        // A key: its slot is its value's; the key itself is kept once, whatever its count.
        if (end - start > KEY_BYTES_MAX) {
          return { refused: `an object key over ${KEY_BYTES_MAX} bytes` }
        }
        keys.add(body.toString('latin1', start, end))
        if (keys.size > KEYS_MAX) return { refused: `over ${KEYS_MAX} distinct object keys` }
      } else {
        heapBytes += SLOT_BYTES + STRING_BYTES + (wide ? 2 : 1) * (end - start)
      }
      continue
    }
    if (byte === OPEN_ARRAY) heapBytes += SLOT_BYTES + ARRAY_BYTES
    else if (byte === OPEN_OBJECT) heapBytes += SLOT_BYTES + OBJECT_BYTES
    else if (isScalarStart(byte)) {
      heapBytes += SLOT_BYTES + NUMBER_BYTES
      while (i + 1 < length && isScalarStart(body[i + 1]!)) i++
    } else if (byte >= 0x80) wideText = true
    i++
  }
  return { heapBytes: heapBytes + (wideText ? 2 : 1) * length }
}

/** The position of the first byte at or after `from` that is not JSON whitespace. */
function nextToken(body: Buffer, from: number): number {
  let i = from
  while (i < body.length && isWhitespace(body[i]!)) i++
  return i
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

/** A byte of a number or of `true`, `false`, `null` (letters and digits, `-`, `+`, `.`). */
function isScalarStart(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x2e
  )
}

/** The snapshot's fields, its lists left unchecked (`checkSnapshot` checks them element-wise). */
const snapshotHeadSchema = stateSnapshotSchema.extend({
  balances: z.array(z.unknown()),
  nonceWindows: z.array(z.unknown()),
  openOrders: z.array(z.unknown()),
  markets: z.array(z.unknown()),
})

function checkSnapshot(value: unknown): PeerSnapshot {
  const head = snapshotHeadSchema.safeParse(value)
  if (!head.success) return malformed(describe(head.error))
  const { shape } = stateSnapshotSchema
  const balances = eachOf('balances', head.data.balances, shape.balances.element)
  if ('problem' in balances) return malformed(balances.problem)
  const nonceWindows = eachOf('nonceWindows', head.data.nonceWindows, shape.nonceWindows.element)
  if ('problem' in nonceWindows) return malformed(nonceWindows.problem)
  const openOrders = eachOf('openOrders', head.data.openOrders, shape.openOrders.element)
  if ('problem' in openOrders) return malformed(openOrders.problem)
  const markets = eachOf('markets', head.data.markets, shape.markets.element)
  if ('problem' in markets) return malformed(markets.problem)
  const snapshot = {
    ...head.data,
    balances: balances.items,
    nonceWindows: nonceWindows.items,
    openOrders: openOrders.items,
    markets: markets.items,
  }
  return { snapshot }
}

/** Each of the list's `items` checked against `schema`, or the first that fails and why. */
function eachOf<T>(
  list: string,
  items: readonly unknown[],
  schema: z.ZodType<T>,
): { items: T[] } | { problem: string } {
  const checked: T[] = []
  for (const [position, item] of items.entries()) {
    const result = schema.safeParse(item)
    if (!result.success) return { problem: describe(result.error, `${list}[${position}]`) }
    checked.push(result.data)
  }
  return { items: checked }
}

function malformed(problem: string): PeerSnapshot {
  return { refused: `a malformed snapshot: ${problem}` }
}

/** The first issue of `error`: where it is (under `at`) and what. */
function describe(error: z.ZodError, at = ''): string {
  const issue = error.issues[0]
  const where = [at, ...(issue?.path ?? []).map(String)].filter((part) => part !== '').join('.')
  return `${where || 'the whole'}: ${issue?.message ?? 'invalid'}`
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(0)
}
