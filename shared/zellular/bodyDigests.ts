import { xxh128 } from './hash.ts'
import { WORK } from './pageVerifier.ts'
import type { WorkSlices } from './workSlices.ts'

/**
 * `xxh128` of each body, the part of its chaining hash that does not depend on its place
 * (`chainLink`), with a yield to the event loop between slices of `slices`. Hashed in the turn
 * that appends them, the bodies of a follower's PUT at the caps (8 MB) held the node for all of
 * it (20–50 ms here); chaining the digests then costs a 64-character hash a batch.
 * @throws the slices' signal's reason when it was aborted at a pause.
 */
export async function bodyDigestsInSlices(
  bodies: readonly string[],
  slices: WorkSlices,
): Promise<string[]> {
  const digests: string[] = []
  for (const body of bodies) {
    digests.push(xxh128(body))
    if (slices.spend(WORK.body + Math.trunc(body.length / WORK.charsPerUnit))) await slices.pause()
  }
  return digests
}
