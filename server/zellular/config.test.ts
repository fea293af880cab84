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
