import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { bls } from '../../shared/zellular/index.ts'

const KEY_DOMAIN = 'zellular-ts/node-request-mac/v1'

/**
 * MACs of node-to-node requests under the key this node shares with each peer
 * (`bls.sharedSecret` of the two operators' BLS keys, hashed). A request then costs an HMAC on
 * each side instead of a BLS signature and a pairing check (~4 ms here), and a sequencer reads
 * ~10 signed requests per client batch. Only the two ends hold the key, so a MAC proves the
 * request to its receiver, which is all it is used for: it is never shown to a third node as
 * evidence (disputes and sync points carry BLS signatures in their bodies).
 */
export class RequestMacs {
  /** Keys by the peer's key object: operators' keys live as long as their network. */
  readonly #keys = new WeakMap<bls.G2, Buffer>()

  constructor(private readonly secretKey: bls.SecretKey) {}

  /** The MAC (hex) of `text` for (or from) the peer whose public key is `peerKey`. */
  mac(peerKey: bls.G2, text: string): string {
    return createHmac('sha256', this.keyFor(peerKey)).update(text).digest('hex')
  }

  /**
   * Whether `mac` is exactly the MAC of `text` under the key shared with `peerKey`, as lower-case
   * hex: one spelling only, so a replay cannot pass the replay guard as another string (upper
   * case, a hex prefix that `Buffer.from` would decode to the same bytes).
   */
  matches(peerKey: bls.G2, text: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(peerKey, text))
    const given = Buffer.from(mac)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  private keyFor(peerKey: bls.G2): Buffer {
    let key = this.#keys.get(peerKey)
    if (key === undefined) {
      const secret = bls.sharedSecret(this.secretKey, peerKey)
      key = createHash('sha256').update(KEY_DOMAIN).update(secret).digest()
      this.#keys.set(peerKey, key)
    }
    return key
  }
}
