import { balancesResponseSchema } from '../../shared/api/index.ts'

/** Asks the local network's faucet (`POST /faucet` of the web server) for `address`: the status. */
export async function askFaucet(webUrl: string, address: string): Promise<number> {
  const answer = await fetch(`${webUrl}/faucet`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ address }),
  })
  return answer.status
}

/**
 * `address`'s available USDT on the replica at `url` once it is above zero, polled for up to
 * 30 s; '0' if it never is.
 */
export async function usdtOnceMinted(url: string, address: string): Promise<string> {
  let usdt = '0'
  for (let tries = 0; usdt === '0' && tries < 300; tries++) {
    const answer = balancesResponseSchema.parse(
      await (await fetch(`${url}/balances?address=${address}`)).json(),
    )
    usdt = answer.balances.find((b) => b.attestation.token === 'USDT')?.attestation.available ?? '0'
    if (usdt === '0') await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return usdt
}
