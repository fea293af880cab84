import { expect, it } from 'vitest'
import { loadNodeConfig } from './config.ts'

const required = { ZSEQUENCER_NODES_FILE: 'nodes.json', ZSEQUENCER_KEY_FILE: 'key.json' }

it('reads the pacing gaps in seconds, as every ZSEQUENCER_* duration, and keeps today’s pace unset', () => {
  expect(loadNodeConfig(required)).toMatchObject({ wakeGapMs: 5, roundGapMs: 0 })
  const paced = loadNodeConfig({
    ...required,
    ZSEQUENCER_WAKE_GAP: '0.25',
    ZSEQUENCER_ROUND_GAP: '0.25',
  })
  expect(paced).toMatchObject({ wakeGapMs: 250, roundGapMs: 250 })
})

it("sends zsequencer's Signature header unless ZSEQUENCER_SIGNATURE_HEADER turns it off", () => {
  expect(loadNodeConfig(required).signatureHeader).toBe(true)
  expect(
    loadNodeConfig({ ...required, ZSEQUENCER_SIGNATURE_HEADER: 'false' }).signatureHeader,
  ).toBe(false)
  expect(loadNodeConfig({ ...required, ZSEQUENCER_SIGNATURE_HEADER: '0' }).signatureHeader).toBe(
    false,
  )
})

it('reads the per-client shares: 25 % of the queues and 256 connections by default', () => {
  expect(loadNodeConfig(required)).toMatchObject({
    clientSharePercent: 25,
    connectionsPerClientMax: 256,
  })
  const set = loadNodeConfig({
    ...required,
    ZSEQUENCER_CLIENT_SHARE_PERCENT: '100',
    ZSEQUENCER_CONNECTIONS_PER_CLIENT_MAX: '16',
  })
  expect(set).toMatchObject({ clientSharePercent: 100, connectionsPerClientMax: 16 })
  expect(() => loadNodeConfig({ ...required, ZSEQUENCER_CLIENT_SHARE_PERCENT: '0' })).toThrow()
})

it('names each missing or wrong setting in one line, by its field and environment variable', () => {
  expect(() => loadNodeConfig({ ZSEQUENCER_THRESHOLD_PERCENT: 'many' })).toThrow(
    'settings: nodesFile (ZSEQUENCER_NODES_FILE): required; keyFile (ZSEQUENCER_KEY_FILE): ' +
      'required; thresholdPercent (ZSEQUENCER_THRESHOLD_PERCENT): ',
  )
  expect(() =>
    loadNodeConfig({ ...required, ZSEQUENCER_CONFIG_FILE: '/nonexistent.json' }),
  ).toThrow('ZSEQUENCER_CONFIG_FILE /nonexistent.json: cannot be read (ENOENT)')
})
