import * as mcl from 'mcl-wasm'
import { RecentResults } from '../memo/index.ts'

/**
 * BN254 BLS exactly as eigensdk (and so zsequencer) does it: signatures in G1, public keys in G2,
 * try-and-increment hash-to-G1 over the message's bytes, points as mcl decimal strings.
 *
 * mcl-wasm is herumi's own build of the library eigensdk wraps, so strings are bit-exact, and
 * its pairing costs ~1.6 ms here against ~9.6 ms for @noble/curves (measured, see
 * ../../../shared/docs/performance-and-reliability-anchors.md §3.2).
 */

/** Base field modulus of alt_bn128. */
const FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n
/** Group order of alt_bn128. */
export const CURVE_ORDER =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** The EIP-197 G2 generator as an mcl string (real part first), as eigensdk sets it. */
const G2_GENERATOR =
  '1 10857046999023057135944570762232829481370756359578518086990519993285655852781 ' +
  '11559732032986387107991004021392285783925812861821192530917403151452391805634 ' +
  '8495653923123431417604973247489272438418190587263600148770280649306958101930 ' +
  '4082367875863433681332203403145435568316851327593401208105741076214120093531'

export type G1 = mcl.G1
export type G2 = mcl.G2
export type SecretKey = mcl.Fr

let g2Generator: mcl.G2 | undefined
let g2GeneratorLines: mcl.PrecomputedG2 | undefined
/**
 * Miller-loop line coefficients of long-lived public keys (operators, the full aggregate), set by
 * `preparePublicKey`. Skipping that part of the loop makes each verification about a quarter
 * cheaper, and a sequencer verifies one signature per node request. Keyed by the point object,
 * so only keys that are kept (and prepared on purpose) hold wasm memory here.
 */
const preparedKeys = new WeakMap<mcl.G2, mcl.PrecomputedG2>()
/** Final exponentiations so far (one per `verify`, `verifyAll` or `sharedSecret`). */
let finalExps = 0
/** Signatures `verify` and `verifyAll` have taken so far. */
let signatureTerms = 0

/**
 * How many pairing checks this process has made: the dominant cost of BLS here (~4 ms each on
 * this machine). Tests use it to show that a path costs none; benches to count where they go.
 */
export function pairingChecks(): number {
  return finalExps
}

/**
 * How many signatures `verify` and `verifyAll` have checked: the part of BLS that grows with a
 * batch (a hash to the curve and, in `verifyAll`, two scalar multiplications each), where
 * `pairingChecks` counts the fixed part. Tests use it to bound what an untrusted list costs.
 */
export function signaturesChecked(): number {
  return signatureTerms
}

function finalExp(product: mcl.GT): mcl.GT {
  finalExps += 1
  return mcl.finalExp(product)
}

/** Loads the mcl wasm module for BN_SNARK1 once. */
export async function initBls(): Promise<void> {
  if (g2Generator) return
  await mcl.init(mcl.BN_SNARK1)
  // Keys arrive from the network; refuse points outside the prime-order subgroup.
  mcl.verifyOrderG2(true)
  const generator = new mcl.G2()
  generator.setStr(G2_GENERATOR, 10)
  g2Generator = generator
  g2GeneratorLines = new mcl.PrecomputedG2(generator)
}

/** Keys with precomputed lines now: each holds ~20 KB of wasm memory until released. */
let preparedKeyCount = 0

/** Precomputes a key that will verify many signatures (see `preparedKeys`); returns it. */
export function preparePublicKey(key: mcl.G2): mcl.G2 {
  if (!preparedKeys.has(key) && !key.isZero()) {
    preparedKeys.set(key, new mcl.PrecomputedG2(key))
    preparedKeyCount += 1
  }
  return key
}

/**
 * Frees a prepared key's lines (wasm memory, which garbage collection never frees); the key
 * still verifies, computing its lines on the fly again.
 */
export function releasePublicKey(key: mcl.G2): void {
  const lines = preparedKeys.get(key)
  if (lines === undefined) return
  preparedKeys.delete(key)
  lines.destroy()
  preparedKeyCount -= 1
}

/** How many keys hold precomputed lines: tests show that a cache of them stays bounded. */
export function preparedPublicKeys(): number {
  return preparedKeyCount
}

function generatorG2(): mcl.G2 {
  if (!g2Generator) throw new Error('initBls() must be awaited before using BLS')
  return g2Generator
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let b = base % modulus
  let e = exponent
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus
    b = (b * b) % modulus
    e >>= 1n
  }
  return result
}

const SQRT_EXPONENT = (FIELD_MODULUS + 1n) / 4n
// Every node verifies the same few messages from several signers; keep recent ones.
const recentHashes = new RecentResults<string, mcl.G1>(256)

/**
 * eigensdk's `map_to_curve`: x = message bytes as a big-endian integer mod p; while x³+3 has no
 * square root, x += 1. y is β^((p+1)/4) with no sign normalisation, which is why this cannot use
 * a library square root that might return the other root.
 */
export function hashToG1(message: string): mcl.G1 {
  return recentHashes.getOrCompute(message, () => mapToCurve(message))
}

function mapToCurve(message: string): mcl.G1 {
  let x = 0n
  for (const byte of new TextEncoder().encode(message)) x = (x << 8n) | BigInt(byte)
  x %= FIELD_MODULUS
  // The field arithmetic runs in mcl's wasm: the square root's exponentiation is ~10 times
  // faster there than with bigint, and every new message (each request, each sync point) needs
  // one or two.
  const three = new mcl.Fp()
  three.setInt(3)
  for (;;) {
    const fx = new mcl.Fp()
    fx.setStr(x.toString(10), 10)
    const beta = mcl.add(mcl.mul(mcl.sqr(fx), fx), three)
    const y = mcl.pow(beta, SQRT_EXPONENT)
    if (mcl.sqr(y).isEqual(beta)) {
      const point = new mcl.G1()
      point.setStr(`1 ${x} ${y.getStr(10)}`, 10)
      return point
    }
    x = (x + 1n) % FIELD_MODULUS
  }
}

/** A secret key from an integer; it must lie in [1, r). */
export function secretKeyFromBigInt(value: bigint): SecretKey {
  if (value <= 0n || value >= CURVE_ORDER) throw new RangeError('BLS secret key out of range')
  const key = new mcl.Fr()
  key.setStr(value.toString(10), 10)
  return key
}

/**
 * The secret key zsequencer's e2e gets from `KeyPair.from_string(hex, 16)`: a value ≥ r makes
 * mcl's setStr fail, the ctypes wrapper ignores the error and the limbs are read as Montgomery
 * form, so the effective key is x·2⁻²⁵⁶ mod r. Only needed to reproduce those keys.
 */
export function secretKeyFromEigensdkHex(hex: string): SecretKey {
  const raw = BigInt('0x' + hex)
  if (raw < CURVE_ORDER) return secretKeyFromBigInt(raw)
  const rInverse = modPow(modPow(2n, 256n, CURVE_ORDER), CURVE_ORDER - 2n, CURVE_ORDER)
  return secretKeyFromBigInt(((raw % CURVE_ORDER) * rInverse) % CURVE_ORDER)
}

export function secretKeyToBigInt(key: SecretKey): bigint {
  return BigInt(key.getStr(10))
}

export function publicKeyOf(key: SecretKey): mcl.G2 {
  return mcl.mul(generatorG2(), key)
}

/** σ = H(message)·sk, over the UTF-8 bytes of `message` (a 32-char hex digest in Zellular). */
export function sign(key: SecretKey, message: string): mcl.G1 {
  return mcl.mul(hashToG1(message), key)
}

/** e(H(m), pk) == e(σ, G2), as one product of Miller loops and one final exponentiation. */
export function verify(signature: mcl.G1, publicKey: mcl.G2, message: string): boolean {
  signatureTerms += 1
  if (signature.isZero() || publicKey.isZero()) return false
  // e(H(m), pk) · e(−σ, g2) = 1, with one final exponentiation for both pairings.
  const lines = g2GeneratorLines
  if (!lines) throw new Error('initBls() must be awaited before using BLS')
  const hash = hashToG1(message)
  const keyLines = preparedKeys.get(publicKey)
  const product =
    keyLines === undefined
      ? mcl.precomputedMillerLoop2mixed(hash, publicKey, mcl.neg(signature), lines)
      : mcl.precomputedMillerLoop2(hash, keyLines, mcl.neg(signature), lines)
  return finalExp(product).isOne()
}

/** Where `sharedSecret` meets: a fixed point no node signs (nodes sign 32-character digests). */
const SHARED_SECRET_BASE = 'zellular-ts/bn254-shared-secret/v1'

/**
 * A secret that only the owners of `key` and of `peerKey` can compute, the same from either
 * side: e(sk·X, pk_peer) = e(X, g2)^(sk·sk_peer) = e(sk_peer·X, pk) (pairing-based
 * non-interactive key agreement). Anyone else, another operator included, would have to solve
 * bilinear Diffie-Hellman for it. Returned as the pairing value's bytes (384): hash it into a
 * key. One pairing: compute it once per peer.
 */
export function sharedSecret(key: SecretKey, peerKey: mcl.G2): Uint8Array {
  if (peerKey.isZero()) throw new RangeError('no secret is shared with the zero key')
  const point = mcl.mul(hashToG1(SHARED_SECRET_BASE), key)
  return finalExp(mcl.millerLoop(point, peerKey)).serialize()
}

/** One signature to check with `verifyAll`. */
export interface SignatureCheck {
  readonly signature: mcl.G1
  readonly publicKey: mcl.G2
  readonly message: string
}

/**
 * True when every signature verifies, in one final exponentiation: checks
 * ∏ e(rᵢ·H(mᵢ), pkᵢ) · e(−Σ rᵢ·σᵢ, g2) = 1 with fresh random 64-bit rᵢ, so invalid signatures
 * cannot cancel each other out (except with probability 2⁻⁶⁴). Checks under the same key object
 * share one Miller loop (e(a, pk)·e(b, pk) = e(a + b, pk)): the finalization proofs of a page,
 * all signed by the whole committee, cost two pairings together. Three signatures under three
 * keys cost about 55 % of three `verify` calls here. False says only that at least one is bad:
 * check them one by one to find which.
 */
export function verifyAll(checks: readonly SignatureCheck[]): boolean {
  const first = checks[0]
  if (first === undefined) return true
  if (checks.length === 1) return verify(first.signature, first.publicKey, first.message)
  const batch = new SignatureBatch()
  for (const check of checks) batch.add(check)
  return batch.verify()
}

/**
 * `verifyAll` a part at a time, for a caller that yields to the event loop between parts:
 * `add` does a signature's share of the work (its hash to the curve, two scalar
 * multiplications), `verify` the Miller loops and the one final exponentiation. The answer is
 * `verifyAll`'s for the same checks; after a zero point, `add` does no more work.
 */
export class SignatureBatch {
  /** Σ rᵢ·H(mᵢ) per key object: one Miller loop per key. */
  readonly #hashesByKey = new Map<mcl.G2, mcl.G1>()
  /** Σ rᵢ·σᵢ. */
  #sum = new mcl.G1()
  #failed = false

  add({ signature, publicKey, message }: SignatureCheck): void {
    if (this.#failed) return
    signatureTerms += 1
    if (signature.isZero() || publicKey.isZero()) {
      this.#failed = true
      return
    }
    const weight = randomWeight()
    const weighted = mcl.mul(hashToG1(message), weight)
    const held = this.#hashesByKey.get(publicKey)
    this.#hashesByKey.set(publicKey, held === undefined ? weighted : mcl.add(held, weighted))
    this.#sum = mcl.add(this.#sum, mcl.mul(signature, weight))
  }

  /** True when every signature added verifies (and when none was). */
  verify(): boolean {
    const lines = g2GeneratorLines
    if (!lines) throw new Error('initBls() must be awaited before using BLS')
    if (this.#failed) return false
    if (this.#hashesByKey.size === 0) return true
    const pairs: Pair[] = []
    for (const [key, hashes] of this.#hashesByKey)
      pairs.push([hashes, preparedKeys.get(key) ?? key])
    pairs.push([mcl.neg(this.#sum), lines])
    let product: mcl.GT | undefined
    for (let i = 0; i < pairs.length; i += 2) {
      const loop = millerLoopOfPairs(pairs[i]!, pairs[i + 1])
      product = product === undefined ? loop : mcl.mul(product, loop)
    }
    return finalExp(product!).isOne()
  }
}

type Pair = readonly [mcl.G1, mcl.G2 | mcl.PrecomputedG2]

/** The Miller loop of one or two (G1, G2) pairs, using precomputed lines where there are some. */
function millerLoopOfPairs([p1, q1]: Pair, second: Pair | undefined): mcl.GT {
  if (second === undefined) {
    return q1 instanceof mcl.PrecomputedG2
      ? mcl.precomputedMillerLoop(p1, q1)
      : mcl.millerLoop(p1, q1)
  }
  const [p2, q2] = second
  if (q1 instanceof mcl.PrecomputedG2) {
    return q2 instanceof mcl.PrecomputedG2
      ? mcl.precomputedMillerLoop2(p1, q1, p2, q2)
      : mcl.precomputedMillerLoop2mixed(p2, q2, p1, q1)
  }
  return q2 instanceof mcl.PrecomputedG2
    ? mcl.precomputedMillerLoop2mixed(p1, q1, p2, q2)
    : mcl.mul(mcl.millerLoop(p1, q1), mcl.millerLoop(p2, q2))
}

/** A uniformly random non-zero 64-bit scalar. */
function randomWeight(): mcl.Fr {
  const bytes = new Uint8Array(32)
  do globalThis.crypto.getRandomValues(bytes.subarray(0, 8))
  while (bytes.subarray(0, 8).every((byte) => byte === 0))
  const weight = new mcl.Fr()
  weight.setLittleEndian(bytes)
  return weight
}

export function aggregateSignatures(signatures: readonly mcl.G1[]): mcl.G1 {
  let sum = new mcl.G1()
  for (const signature of signatures) sum = mcl.add(sum, signature)
  return sum
}

export function aggregatePublicKeys(keys: readonly mcl.G2[]): mcl.G2 {
  let sum = new mcl.G2()
  for (const key of keys) sum = mcl.add(sum, key)
  return sum
}

export function subtractPublicKey(from: mcl.G2, key: mcl.G2): mcl.G2 {
  return mcl.sub(from, key)
}

/** Parses an mcl decimal G1 string (`"1 x y"` or `"0"`); throws on anything that is not a point. */
export function parseG1(text: string): mcl.G1 {
  if (!/^(0|1 \d{1,78} \d{1,78})$/.test(text)) throw new TypeError('malformed G1 point string')
  const point = new mcl.G1()
  point.setStr(text, 10)
  return point
}

/** Parses an mcl decimal G2 string (`"1 x.c0 x.c1 y.c0 y.c1"` or `"0"`). */
export function parseG2(text: string): mcl.G2 {
  if (!/^(0|1( \d{1,78}){4})$/.test(text)) throw new TypeError('malformed G2 point string')
  const point = new mcl.G2()
  point.setStr(text, 10)
  return point
}

export function formatPoint(point: mcl.G1 | mcl.G2): string {
  return point.getStr(10)
}

/** Nodes-file key coordinates: `[c1, c0]` (imaginary part first), the EIP-197 order. */
export interface NodesFileG2 {
  readonly pubkeyG2_X: readonly [bigint, bigint]
  readonly pubkeyG2_Y: readonly [bigint, bigint]
}

/** mcl strings put the real part first: `[c1, c0]` arrays become `"1 X[1] X[0] Y[1] Y[0]"`. */
export function g2FromNodesFile(key: NodesFileG2): mcl.G2 {
  const [x1, x0] = key.pubkeyG2_X
  const [y1, y0] = key.pubkeyG2_Y
  return parseG2(`1 ${x0} ${x1} ${y0} ${y1}`)
}

export function g2ToNodesFile(point: mcl.G2): NodesFileG2 {
  const parts = point
    .getStr(10)
    .split(' ')
    .slice(1)
    .map((part) => BigInt(part))
  const [x0, x1, y0, y1] = parts
  if (y1 === undefined || x0 === undefined || x1 === undefined || y0 === undefined) {
    throw new RangeError('the zero point has no nodes-file form')
  }
  return { pubkeyG2_X: [x1, x0], pubkeyG2_Y: [y1, y0] }
}
