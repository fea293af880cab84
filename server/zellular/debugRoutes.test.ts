import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { createNodeApp } from './routes.ts'
import { makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())

it('counts the requests a node answered by route pattern, refusals and unknown paths included', async () => {
  const { node } = makeTestNode({ position: 0 })
  try {
    const app = createNodeApp(node)
    const counts = async () =>
      ((await (await app.request('/debug/requests')).json()) as { requests: object }).requests
    expect(await counts()).toEqual({})
    node.intake.accept('local', [{ app: 'a', bodies: ['b1'] }], Date.now())
    for (let i = 0; i < 2; i++)
      expect((await app.request('/node/a/batches/sequenced?after=0')).status).toBe(200)
    expect((await app.request('/node/nope/batches/sequenced?after=0')).status).toBe(400)
    expect((await app.request('/no/such/path')).status).toBe(404)
    expect(await counts()).toEqual({
      'GET /debug/requests': 1,
      'GET /node/:app/batches/:state': 3,
      'GET /*': 1, // no route: the counting middleware's own pattern
    })
  } finally {
    node.close()
  }
})
