import { isInteger, parse, stringify } from 'lossless-json'
import { z } from 'zod'

/**
 * zsequencer's nodes file: an object keyed by lower-case operator address. G2 key coordinates are
 * `[c1, c0]` and ~77-digit JSON numbers (or decimal strings from the EigenLayer subgraph), so the
 * text is parsed losslessly: `JSON.parse` would silently round them.
 */

const bigIntLike = z.union([
  z.bigint(),
  z
    .number()
    .int()
    .transform((value) => BigInt(value)),
  z
    .string()
    .regex(/^\d{1,78}$/)
    .transform((value) => BigInt(value)),
])

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value) => value.toLowerCase())

const nodeInfoSchema = z.object({
  id: address,
  address,
  socket: z
    .string()
    .url()
    .transform((value) => value.replace(/\/+$/, '')),
  stake: z.number().nonnegative(),
  pubkeyG2_X: z.tuple([bigIntLike, bigIntLike]),
  pubkeyG2_Y: z.tuple([bigIntLike, bigIntLike]),
  roles: z.array(z.enum(['posting', 'sequencing'])).optional(),
})

export type NodeInfo = z.output<typeof nodeInfoSchema>
export type NodesFile = Record<string, NodeInfo>

export const nodesFileSchema = z.record(z.string(), nodeInfoSchema).superRefine((nodes, ctx) => {
  for (const [key, node] of Object.entries(nodes)) {
    if (key.toLowerCase() !== node.id) {
      ctx.addIssue({ code: 'custom', message: `key ${key} differs from id ${node.id}` })
    }
  }
})

/** Integers beyond 2⁵³ become bigint, everything else a number. */
function parseNumberLosslessly(text: string): number | bigint {
  if (isInteger(text)) {
    const value = BigInt(text)
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(text) : value
  }
  return Number(text)
}

/** JSON parsing that keeps large integers exact (as bigint). */
export function parseJsonLosslessly(text: string): unknown {
  return parse(text, null, parseNumberLosslessly)
}

export function parseNodesFile(text: string): NodesFile {
  const parsed = nodesFileSchema.parse(parseJsonLosslessly(text))
  return Object.fromEntries(Object.values(parsed).map((node) => [node.id, node]))
}

/** Writes keys as plain JSON numbers, the way zsequencer's e2e writes its nodes file. */
export function formatNodesFile(nodes: NodesFile): string {
  return stringify(nodes, null, 2) ?? '{}'
}
