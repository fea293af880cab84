import { expect, it } from 'vitest'
import * as module from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(module).sort()).toMatchInlineSnapshot(`
    [
      "aggregateSignatures",
      "balanceAttestationDigest",
      "balanceAttestationDomain",
      "balanceAttestationSchema",
      "balanceStatementSchema",
      "blsIdentityOf",
      "blsPublicKeyOf",
      "buildBalanceAttestationText",
      "buildRootAttestationText",
      "certifyRoot",
      "createBlsVerifier",
      "defaultQuorum",
      "groupRootAnswers",
      "herumi",
      "judgeRootAnswers",
      "proofOfPossessionDigest",
      "registryHashOf",
      "replicaRegistryHashDomain",
      "rootAttestationDigest",
      "rootAttestationDomain",
      "rootAttestationSchema",
      "rootCertificateSchema",
      "selectCommonIndex",
      "signBalanceAttestation",
      "signRootAttestation",
      "signedRootSchema",
      "unprovenMember",
      "verifyAggregateBalance",
      "verifyBalanceAttestation",
      "verifyBalanceQuorum",
      "verifyRootCertificate",
      "verifyRootQuorum",
    ]
  `)
})
