import { beforeAll, expect, it } from 'vitest'
import { bls, initZellular, parseJsonLosslessly } from '../../shared/zellular/index.ts'
import { createNodeApp } from './routes.ts'
import { makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())

it('serves /node/state byte for byte as zsequencer, key coordinates as bare integers', async () => {
  const { node, ids, secrets } = makeTestNode({ position: 0 })
  try {
    // The sequencer sequences them at once.
    node.intake.accept('local', [{ app: 'a', bodies: ['b1', 'b2'] }], Date.now())
    const key = bls.g2ToNodesFile(bls.publicKeyOf(secrets[0]!))
    const [x1, x0] = key.pubkeyG2_X
    const [y1, y0] = key.pubkeyG2_Y
    const response = await createNodeApp(node).request('/node/state')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
    // FastAPI's JSONResponse: no spaces, keys in the model's order.
    expect(await response.text()).toBe(
      '{"status":"success","message":"Operation successful","data":{' +
        `"sequencer":true,"version":"v0.1.7","sequencer_id":"${ids[0]}","node_id":"${ids[0]}",` +
        `"pubkeyG2_X":[${x1},${x0}],"pubkeyG2_Y":[${y1},${y0}],"address":"${ids[0]}",` +
        '"apps":{"a":{"last_sequenced_index":2,"last_locked_index":0,"last_finalized_index":0}}}}',
    )
  } finally {
    node.close()
  }
})

it('keeps every digit of the key coordinates for a lossless reader', async () => {
  const { node, secrets } = makeTestNode({ position: 1 })
  try {
    const text = await (await createNodeApp(node).request('/node/state')).text()
    const body = parseJsonLosslessly(text) as { data: { pubkeyG2_X: bigint[]; sequencer: boolean } }
    const key = bls.g2ToNodesFile(bls.publicKeyOf(secrets[1]!))
    expect(body.data.pubkeyG2_X).toEqual([...key.pubkeyG2_X].map(BigInt))
    expect(body.data.sequencer).toBe(false)
  } finally {
    node.close()
  }
})

it('compares the Version header by number: another spelling of v0.1.7 passes, another version fails', async () => {
  const { node } = makeTestNode({ position: 0 })
  try {
    const app = createNodeApp(node)
    const state = (version: string) => app.request('/node/state', { headers: { Version: version } })
    expect((await state('v0.1.7')).status).toBe(200)
    expect((await state('0.1.7')).status).toBe(200)
    for (const other of ['v0.1.8', 'v0.1.70', 'v0.10.7', 'latest']) {
      const refused = await state(other)
      expect(refused.status).toBe(400)
      expect(await refused.json()).toMatchObject({ error: { code: 'InvalidNodeVersionError' } })
    }
    // The sequencer route requires the header.
    const put = await app.request('/sequencer/batches', { method: 'PUT', body: '{}' })
    expect(put.status).toBe(400)
  } finally {
    node.close()
  }
})
