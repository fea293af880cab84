import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import * as bls from './bls.ts'
import { chainHash, initHash, xxh128 } from './hash.ts'
import {
  authMessage,
  disputeMessage,
  legacySyncPointMessage,
  syncPointMessage,
} from './messages.ts'
import { Network } from './network.ts'
import { parseNodesFile } from './nodesFile.ts'
import { pythonJsonDumps } from './pythonJson.ts'
import { ProofError } from './errors.ts'

// Every vector below is from ../shared/docs/zellular-protocol.md §13 (Python xxhash + mcl).

beforeAll(async () => {
  await initHash()
  await bls.initBls()
})

const K2 = {
  sk: 0x1e8f3a665b97f58a1b8dd9fd5f6f3b699fdb6a18e99f72265764533aa3e82901n,
  X: [
    3841271246275215960088662331299309317356430548460316523688961872216097889075n,
    10230169947831549549299788681244521094712622614764942514271925690173556070455n,
  ],
  Y: [
    2484582353221895939361063178023966752368145543131218535186058990181054973777n,
    2565754491928293311045822795202250647559716643902012198415972199389633421635n,
  ],
} as const
const K5 = {
  sk: 0x2f314289c543c761a1ad0082951b60e210245bdf0cdb24425c35423622cf0336n,
  X: [
    10434512868359452890701356297794076286815666559821517826054021996936322481471n,
    11566422623353231565342649162080408640618457393930389353724788679563986412457n,
  ],
  Y: [
    9011582193388006243630708673502720181794402625730029367411086044204760823410n,
    10219485593983477759076051463324301413539141310846970495385386629043827418539n,
  ],
} as const
const K7 = {
  sk: 0x17ebead66965d4d194a33b28372537f2db8716b3c028c1b5e0690f26170a428fn,
  X: [
    5883984781801167898231989626856895624396159097150465319965017590859420702495n,
    5136459335723185652441732540798441157943442940770311514878914926375025343428n,
  ],
  Y: [
    5349356630371383888809478262696631497361078745472661944511377714091386188342n,
    17727643844645117473321925725444132419199762280377988741655929254255118449337n,
  ],
} as const

const CHAIN3 = '2d3702dc74109a9bdc9b3c6fddb92834'
const LOCK = {
  app_name: 'simple_app',
  chaining_hash: CHAIN3,
  index: 3,
  parent_index: 0,
  state: 'sequenced',
  timestamp: 0,
} as const
const FINALIZE = { ...LOCK, state: 'locked', timestamp: 1733000000 } as const

describe('xxh128 and the chaining hash', () => {
  it('matches Python xxhash.xxh128_hexdigest', () => {
    expect(xxh128('')).toBe('99aa06d3014798d86001c324468d497f')
    expect(xxh128('abc')).toBe('06b05ab6733a618578af5f94892f3950')
    expect(xxh128('hello world')).toBe('df8d09e93f874900a99b8775cc15b6c7')
  })

  it('chains three batches from h0 = ""', () => {
    const bodies = [
      '[{"tx_id": "a", "operation": "foo", "t": 1700000000}]',
      '[{"tx_id": "b", "operation": "foo", "t": 1700000000}]',
      'plain text batch é',
    ]
    expect(bodies.map((body) => xxh128(body))).toEqual([
      'da75c1ecb002efd83378dc6561f87a71',
      '76ffec6598d401fb557986af2d368d46',
      '573cdb02d93fe094aaa74d53dcc25fae',
    ])
    const chain: string[] = []
    let previous = ''
    for (const body of bodies) chain.push((previous = chainHash(previous, body)))
    expect(chain).toEqual([
      'e58d20f01692e3032c7759ffa2cc8d38',
      '59cdf0b11aed49fe7b6b85ee4d4f02b4',
      CHAIN3,
    ])
  })
})

describe('Python json.dumps(sort_keys=True)', () => {
  it('uses Python separators, sorted keys and ensure_ascii', () => {
    expect(pythonJsonDumps({ b: 1, a: [true, null, 'x/y'] })).toBe(
      '{"a": [true, null, "x/y"], "b": 1}',
    )
    expect(pythonJsonDumps('é\u2028😀\n"\\\u007f')).toBe(
      '"\\u00e9\\u2028\\ud83d\\ude00\\n\\"\\\\\\u007f"',
    )
    expect(pythonJsonDumps(12345678901234567890n)).toBe('12345678901234567890')
    expect(() => pythonJsonDumps(1.5)).toThrow()
  })
})

describe('canonical messages', () => {
  it('reproduces the lock, finalize, legacy, dispute and auth digests', () => {
    expect(syncPointMessage(LOCK)).toBe('179392a25e4ea399f300e247925a0d20')
    expect(syncPointMessage(FINALIZE)).toBe('d0f9b7460c7a7bc9257e47b348ab9d27')
    expect(legacySyncPointMessage(FINALIZE)).toBe('a395555e25d5b30601266cb91a6a3521')
    expect(disputeMessage('0x3e841c1d3bb035a943f4877a8e4da9c7da58a9bb', 1733000000)).toBe(
      '68d3c33a0f1417b9942835695141333b',
    )
    const body = pythonJsonDumps({
      app_name: 'simple_app',
      batches: ['[{"tx_id": "a", "operation": "foo", "t": 1700000000}]'],
      sequenced_index: 0,
      sequenced_chaining_hash: '',
      locked_index: 0,
      locked_chaining_hash: '',
      finalized_index: 0,
      timestamp: 1733000000,
    })
    // The vector's body keeps insertion order; ours is sorted, so rebuild it unsorted.
    const unsorted =
      '{"app_name": "simple_app", "batches": ["[{\\"tx_id\\": \\"a\\", \\"operation\\": ' +
      '\\"foo\\", \\"t\\": 1700000000}]"], "sequenced_index": 0, "sequenced_chaining_hash": ' +
      '"", "locked_index": 0, "locked_chaining_hash": "", "finalized_index": 0, ' +
      '"timestamp": 1733000000}'
    expect(body).not.toBe(unsorted)
    expect(authMessage(unsorted)).toBe('3b9874f5c42f1cf949185f78eeb2ce32')
  })
})

describe('BN254 BLS as eigensdk does it', () => {
  it('hashes to G1 by try-and-increment', () => {
    expect(bls.formatPoint(bls.hashToG1('179392a25e4ea399f300e247925a0d20'))).toBe(
      '1 372658077826161653220977084836070597944107076004121388009965799564829471979 ' +
        '16466142415658510851853236178710505313815754755850820965554324390317179224454',
    )
    expect(bls.formatPoint(bls.hashToG1('d0f9b7460c7a7bc9257e47b348ab9d27'))).toBe(
      '1 1540313298945097677862415119077334481431960824721058954399822259347505428393 ' +
        '5758121940337760424112467084611637874418815918706549635159360177159584654840',
    )
  })

  it('derives public keys in nodes-file [c1, c0] order and the mcl string', () => {
    for (const vector of [K2, K5, K7]) {
      const key = bls.g2ToNodesFile(bls.publicKeyOf(bls.secretKeyFromBigInt(vector.sk)))
      expect(key.pubkeyG2_X).toEqual(vector.X)
      expect(key.pubkeyG2_Y).toEqual(vector.Y)
    }
    expect(bls.formatPoint(bls.g2FromNodesFile({ pubkeyG2_X: K2.X, pubkeyG2_Y: K2.Y }))).toBe(
      `1 ${K2.X[1]} ${K2.X[0]} ${K2.Y[1]} ${K2.Y[0]}`,
    )
    // The swapped order is not a point of the subgroup.
    expect(() =>
      bls.g2FromNodesFile({ pubkeyG2_X: [K2.X[1], K2.X[0]], pubkeyG2_Y: [K2.Y[1], K2.Y[0]] }),
    ).toThrow()
  })

  it('signs the finalize message and aggregates three signatures', () => {
    const message = syncPointMessage(FINALIZE)
    const signatures = [K2, K5, K7].map((v) => bls.sign(bls.secretKeyFromBigInt(v.sk), message))
    expect(signatures.map((s) => bls.formatPoint(s))).toEqual([
      '1 21135932690884323479221521243560397071502459100405107937381252708229743839873 ' +
        '6301966463502682435764790324936478729949763784885896963762939843075379720511',
      '1 16859264207122486831896424665323446146757396727925964316669381192095711606278 ' +
        '9076169868586646412714729972479963493447227405314978144264165463688751535709',
      '1 17969089647449708033973697318582844976939265062634136031456271651660520700670 ' +
        '9478238318071926709126331632950998669245470158738300185580818469929703345775',
    ])
    const aggregate = bls.aggregateSignatures(signatures)
    expect(bls.formatPoint(aggregate)).toBe(
      '1 21268762725825060610554313473458022038662157987671193245073143929564942699789 ' +
        '5308412768612678003134304183485576879766885228659287130050630201678048805540',
    )
    const keys = [K2, K5, K7].map((v) => bls.g2FromNodesFile({ pubkeyG2_X: v.X, pubkeyG2_Y: v.Y }))
    const aggregateKey = bls.g2ToNodesFile(bls.aggregatePublicKeys(keys))
    expect(aggregateKey.pubkeyG2_X).toEqual([
      16385881574144703766832701061825325827365213240820239893002701645673933242678n,
      3193788654134569896764821659976524759987034640402422846124661742172766230311n,
    ])
    expect(aggregateKey.pubkeyG2_Y).toEqual([
      5055840515927775344417314036656657942077831912935207918611047667731957502328n,
      547110525619715409622111498426778008740696920512756164054574985009085467832n,
    ])
    expect(bls.verify(aggregate, bls.aggregatePublicKeys(keys), message)).toBe(true)
    expect(bls.verify(aggregate, bls.aggregatePublicKeys(keys), syncPointMessage(LOCK))).toBe(false)
    expect(bls.verify(signatures[0]!, keys[1]!, message)).toBe(false)
  })

  it('signs the lock, dispute and auth messages', () => {
    const k2 = bls.secretKeyFromBigInt(K2.sk)
    const lock = syncPointMessage(LOCK)
    expect(bls.formatPoint(bls.sign(k2, lock))).toBe(
      '1 20379317860654640306619536781834855104317816789050223620284345437764483440618 ' +
        '14876301810418267806903803061783377914529996708660886544308000040581486695497',
    )
    const all = bls.aggregateSignatures(
      [K2, K5, K7].map((v) => bls.sign(bls.secretKeyFromBigInt(v.sk), lock)),
    )
    expect(bls.formatPoint(all)).toBe(
      '1 7188140382028914855011340932467766490299760217304407893459567779578611293209 ' +
        '8709359190150083779923574681200562644244182429731229340490855980627411781564',
    )
    expect(bls.formatPoint(bls.sign(k2, '68d3c33a0f1417b9942835695141333b'))).toBe(
      '1 17125817933317488576638615342887969745202745618473992803392829764434423999379 ' +
        '8100265064785222783763975367479127086125496520786799362492827411376384693101',
    )
    expect(bls.formatPoint(bls.sign(k2, '3b9874f5c42f1cf949185f78eeb2ce32'))).toBe(
      '1 11290530191743515871729470130550267012986724570158280403187871789436686018267 ' +
        '6729102475361628643167683361077601013268710498361950862231543897811924696623',
    )
  })

  it('reproduces the mcl Fr.setStr quirk for e2e key 1', () => {
    // The notes give only the prefix 6137551e; derive the full value from the e2e seed.
    const hex = createHash('sha256').update('zsequencer_bls_1').digest('hex')
    expect(hex.startsWith('6137551e')).toBe(true)
    expect(bls.secretKeyToBigInt(bls.secretKeyFromEigensdkHex(hex))).toBe(
      8426191370414216949337674477171028952388373666120895029976095968144780928456n,
    )
  })

  it('reads the zero point and rejects malformed strings', () => {
    expect(bls.parseG1('0').isZero()).toBe(true)
    expect(bls.parseG2('0').isZero()).toBe(true)
    expect(() => bls.parseG1('1 1 3')).toThrow()
    expect(() => bls.parseG1('abc')).toThrow()
  })
})

describe('the nodes file', () => {
  const nodesText = `{
  "0x0985aa64c1baebe643a8c9b273f520da75ffaa06": {
    "id": "0x0985aa64c1baebe643a8c9b273f520da75ffaa06",
    "pubkeyG2_X": [${K2.X[0]}, ${K2.X[1]}],
    "pubkeyG2_Y": [${K2.Y[0]}, ${K2.Y[1]}],
    "address": "0x0985aa64c1baebe643a8c9b273f520da75ffaa06",
    "socket": "http://localhost:6001",
    "stake": 10
  },
  "0x1111111111111111111111111111111111111111": {
    "id": "0x1111111111111111111111111111111111111111",
    "pubkeyG2_X": ["${K5.X[0]}", "${K5.X[1]}"],
    "pubkeyG2_Y": ["${K5.Y[0]}", "${K5.Y[1]}"],
    "address": "0x1111111111111111111111111111111111111111",
    "socket": "http://localhost:6002",
    "stake": 10
  },
  "0x2222222222222222222222222222222222222222": {
    "id": "0x2222222222222222222222222222222222222222",
    "pubkeyG2_X": [${K7.X[0]}, ${K7.X[1]}],
    "pubkeyG2_Y": [${K7.Y[0]}, ${K7.Y[1]}],
    "address": "0x2222222222222222222222222222222222222222",
    "socket": "http://localhost:6003",
    "stake": 10
  }
}`

  it('parses ~77-digit numbers losslessly and verifies aggregates with nonsigners', () => {
    const nodes = parseNodesFile(nodesText)
    expect(nodes['0x0985aa64c1baebe643a8c9b273f520da75ffaa06']?.pubkeyG2_X).toEqual(K2.X)
    const network = new Network(nodes, 60)
    const message = syncPointMessage(FINALIZE)
    const sign = (sk: bigint) => bls.sign(bls.secretKeyFromBigInt(sk), message)
    const all = bls.formatPoint(bls.aggregateSignatures([sign(K2.sk), sign(K5.sk), sign(K7.sk)]))
    network.verifyAggregate(message, { signature: all, nonsigners: [] })
    const two = bls.formatPoint(bls.aggregateSignatures([sign(K2.sk), sign(K5.sk)]))
    const nonsigner = '0x2222222222222222222222222222222222222222'
    network.verifyAggregate(message, { signature: two, nonsigners: [nonsigner] })

    const failure = (nonsigners: string[], signature = two) => {
      try {
        network.verifyAggregate(message, { signature, nonsigners })
        return 'verified'
      } catch (error) {
        return (error as ProofError).code
      }
    }
    expect(failure([])).toBe('bad_signature')
    expect(failure([nonsigner, nonsigner])).toBe('duplicate_nonsigner')
    expect(failure(['0x3333333333333333333333333333333333333333'])).toBe('unknown_nonsigner')
    const one = bls.formatPoint(sign(K2.sk))
    expect(failure(['0x1111111111111111111111111111111111111111', nonsigner], one)).toBe(
      'insufficient_stake',
    )
    expect(failure([nonsigner], 'garbage')).toBe('malformed')
  })

  it('picks the next sequencer by sorted id, wrapping around', () => {
    const network = new Network(parseNodesFile(nodesText), 67)
    expect(network.nextSequencer('0x0985aa64c1baebe643a8c9b273f520da75ffaa06')).toBe(
      '0x1111111111111111111111111111111111111111',
    )
    expect(network.nextSequencer('0x2222222222222222222222222222222222222222')).toBe(
      '0x0985aa64c1baebe643a8c9b273f520da75ffaa06',
    )
  })
})
