import { z } from 'zod'

/** The part of the faucet's 202 answer (`FaucetGrant` of the web server) the app shows. */
const faucetAnswerSchema = z.object({
  granted: z.array(z.object({ token: z.string() })),
  refused: z.array(z.object({ token: z.string() })),
})

/** Which tokens a faucet grant minted and which it could not (symbols). */
export interface FaucetOutcome {
  readonly granted: readonly string[]
  readonly refused: readonly string[]
}

/** The tokens of a faucet answer; an answer of another shape is taken as all minted. */
export function parseFaucetOutcome(body: unknown): FaucetOutcome {
  const parsed = faucetAnswerSchema.safeParse(body)
  if (!parsed.success) return { granted: [], refused: [] }
  const symbols = (mints: readonly { token: string }[]) => mints.map((mint) => mint.token)
  return { granted: symbols(parsed.data.granted), refused: symbols(parsed.data.refused) }
}

/**
 * What the faucet button tells: "Minted", or which tokens were minted and which were not (each
 * token is minted on its own, so a busy network may grant part of a grant; asking again later
 * mints the rest, within the hourly allowance).
 */
export function faucetOutcomeText(outcome: FaucetOutcome): string {
  if (outcome.refused.length === 0) return 'Minted'
  const refused = outcome.refused.join(', ')
  return `Minted ${outcome.granted.join(', ')}; ${refused} not minted, try again later`
}
