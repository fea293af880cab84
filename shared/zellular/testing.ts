/**
 * Test fixtures for the Zellular SDK: a 4-operator committee with fixed BLS keys and a chain of
 * batches with genuinely signed finalization proofs, rendered as v0.1.7 or v0.1.5 wire pages.
 * Internal to tests (not exported from index.ts); call `initZellular()` first.
 */
import * as bls from './bls.ts'
import { chainHash } from './hash.ts'
import { legacySyncPointMessage, syncPointMessage } from './messages.ts'
import { Network } from './network.ts'
import type { NodeInfo, NodesFile } from './nodesFile.ts'

export const TEST_APP = 'simple_app'

/** Secret keys K2, K5, K7 of the protocol notes §13, plus one more below r. */
const SECRETS = [
  0x1e8f3a665b97f58a1b8dd9fd5f6f3b699fdb6a18e99f72265764533aa3e82901n,
  0x2f314289c543c761a1ad0082951b60e210245bdf0cdb24425c35423622cf0336n,
  0x17ebead66965d4d194a33b28372537f2db8716b3c028c1b5e0690f26170a428fn,
  0x0a11ce5eed0a11ce5eed0a11ce5eed0a11ce5eed0a11ce5eed0a11ce5eed0a11n,
] as const

interface TestKey {
  readonly id: string
  readonly secret: bls.SecretKey
}

export interface TestCommittee {
  readonly keys: readonly TestKey[]
  readonly nodes: NodesFile
  readonly network: Network
}

/** Four operators `0x1111…`, `0x2222…`, … with stake 10 each and sockets as given. */
export function buildTestCommittee(
  options: { sockets?: readonly string[]; thresholdPercent?: number } = {},
): TestCommittee {
  const keys = SECRETS.map((value, position) => ({
    id: '0x' + String(position + 1).repeat(40),
    secret: bls.secretKeyFromBigInt(value),
  }))
  const nodes: Record<string, NodeInfo> = {}
  keys.forEach((key, position) => {
    const { pubkeyG2_X, pubkeyG2_Y } = bls.g2ToNodesFile(bls.publicKeyOf(key.secret))
    nodes[key.id] = {
      id: key.id,
      address: key.id,
      socket: options.sockets?.[position] ?? `http://127.0.0.1:${6001 + position}`,
      stake: 10,
      pubkeyG2_X: [...pubkeyG2_X],
      pubkeyG2_Y: [...pubkeyG2_Y],
    }
  })
  return { keys, nodes, network: new Network(nodes, options.thresholdPercent ?? 67) }
}

/** A v0.1.7 `finalized_signatures` entry. */
export interface WireProof {
  state: string
  index: number
  parent_index: number
  chaining_hash: string
  signature: string
  nonsigners: string[]
  tag: number
  timestamp: number
}

/** A legacy v0.1.5 `finalized` object. */
export interface LegacyWireProof {
  index: number
  chaining_hash: string
  signature: string
  nonsigners: string[] | null
  tag: number
}

export interface SignOptions {
  /** Positions in `committee.keys` that sign; default the first three. */
  readonly signers?: readonly number[]
  /** Reported nonsigners; default every key that did not sign. */
  readonly nonsigners?: readonly string[]
  readonly timestamp?: number
}

/** Bodies `bodies[i − 1]` at index i, their chaining hashes, and proof and page builders. */
export class TestChain {
  /** `hashes[i]` is the chaining hash at index i; `hashes[0]` is "". */
  readonly hashes: readonly string[]

  constructor(
    readonly committee: TestCommittee,
    readonly bodies: readonly string[],
    readonly app = TEST_APP,
  ) {
    const hashes = ['']
    for (const body of bodies) hashes.push(chainHash(hashes.at(-1)!, body))
    this.hashes = hashes
  }

  hashAt(index: number): string {
    const hash = this.hashes[index]
    if (hash === undefined) throw new RangeError(`no batch ${index}`)
    return hash
  }

  /** A finalization proof (state `locked`) at `index`, signed by 3 of 4 keys unless told. */
  proof(index: number, parentIndex: number, options: SignOptions = {}): WireProof {
    const timestamp = options.timestamp ?? 1733000000 + index
    const chaining_hash = this.hashAt(index)
    const message = syncPointMessage({
      app_name: this.app,
      state: 'locked',
      index,
      chaining_hash,
      parent_index: parentIndex,
      timestamp,
    })
    return {
      state: 'locked',
      index,
      parent_index: parentIndex,
      chaining_hash,
      ...this.#sign(message, options),
      tag: 0,
      timestamp,
    }
  }

  /** Linked proofs at ascending `indices`: each one's parent is the one before (0 first). */
  proofs(indices: readonly number[]): WireProof[] {
    return indices.map((index, position) => this.proof(index, indices[position - 1] ?? 0))
  }

  legacyProof(index: number, options: SignOptions = {}): LegacyWireProof {
    const chaining_hash = this.hashAt(index)
    const message = legacySyncPointMessage({
      app_name: this.app,
      state: 'locked',
      index,
      chaining_hash,
    })
    return { index, chaining_hash, ...this.#sign(message, options), tag: 0 }
  }

  /** The v0.1.7 page `after`, `count` bodies long, with the proofs that fall inside it. */
  page(after: number, count: number, proofs: readonly WireProof[]) {
    const last = Math.min(after + count, this.bodies.length)
    return {
      batches: this.bodies.slice(after, last),
      first_chaining_hash: this.hashAt(after + 1),
      finalized_signatures: proofs.filter((proof) => proof.index > after && proof.index <= last),
    }
  }

  /** The v0.1.5 page: only the last proof inside it, or null. */
  legacyPage(after: number, count: number, proofs: readonly LegacyWireProof[]) {
    const last = Math.min(after + count, this.bodies.length)
    const inside = proofs.filter((proof) => proof.index > after && proof.index <= last)
    return {
      batches: this.bodies.slice(after, last),
      first_chaining_hash: this.hashAt(after + 1),
      finalized: inside.at(-1) ?? null,
      locked: null,
    }
  }

  /** `GET …/finalized/last` data (v0.1.7 `StatefulBatch`) for the proof's index. */
  lastRecord(proof: WireProof) {
    return {
      app_name: this.app,
      body: this.bodies[proof.index - 1],
      chaining_hash: proof.chaining_hash,
      parent_index: proof.parent_index,
      next_index: null,
      timestamp: proof.timestamp,
      locked_signature: null,
      locked_nonsigners: null,
      locked_tag: null,
      finalized_signature: proof.signature,
      finalized_nonsigners: proof.nonsigners,
      finalized_tag: proof.tag,
      index: proof.index,
      state: 'finalized',
    }
  }

  /** `GET …/finalized/last` data in the v0.1.5 shape. */
  legacyLastRecord(proof: LegacyWireProof) {
    return {
      app_name: this.app,
      body: this.bodies[proof.index - 1],
      chaining_hash: proof.chaining_hash,
      lock_signature: null,
      locked_nonsigners: null,
      locked_tag: null,
      finalization_signature: proof.signature,
      finalized_nonsigners: proof.nonsigners,
      finalized_tag: proof.tag,
      index: proof.index,
      state: 'finalized',
    }
  }

  #sign(message: string, options: SignOptions) {
    const keys = this.committee.keys
    const signers = options.signers ?? [0, 1, 2]
    const signature = bls.aggregateSignatures(
      signers.map((position) => bls.sign(keys[position]!.secret, message)),
    )
    const nonsigners =
      options.nonsigners ??
      keys.filter((_, position) => !signers.includes(position)).map((key) => key.id)
    return { signature: bls.formatPoint(signature), nonsigners: [...nonsigners] }
  }
}
