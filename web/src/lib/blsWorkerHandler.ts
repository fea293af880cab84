// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the worker
import type { BlsVerifier } from '../../../shared/attest/blsVerifier.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the worker
import { unprovenMember } from '../../../shared/attest/proofOfPossession.ts'
import { verifyPortfolioAtRoot } from './verifyPortfolioAtRoot.ts'
import type { BlsWorkerMessage, BlsWorkerResponse } from './verifyOffThread.ts'

/**
 * What the BLS worker (`blsWorker.ts`) does with each message, given the verifier it is loading:
 * a check is answered with its result (or the error); a `prepare` checks the registry keys'
 * proofs of possession at once. Those depend on nothing the replicas answer, and a verified
 * proof is remembered (`unprovenMember`), so the page posts the registry as it starts asking for
 * answers, and the first check, when they arrive, verifies only the root's aggregate.
 */
export function createBlsWorkerHandler(
  loaded: Promise<BlsVerifier>,
  reply: (response: BlsWorkerResponse) => void,
): (message: BlsWorkerMessage) => void {
  return (message) => {
    if ('prepare' in message) {
      // A key without a valid proof is named by the check itself, with its reason.
      loaded.then((bls) => unprovenMember(message.prepare.replicas, bls)).catch(() => undefined)
      return
    }
    const { id, parameters } = message
    loaded
      .then((bls) => reply({ id, result: verifyPortfolioAtRoot({ ...parameters, bls }) }))
      .catch((error: unknown) => reply({ id, error: String(error) }))
  }
}
