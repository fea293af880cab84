import { createServer, type Server } from 'node:http'

/**
 * What the e2e tests may do to the running system. The system lives in the Playwright runner
 * process (started by global setup); tests run in a worker process, so they reach these
 * operations through a small loopback HTTP endpoint (`controlClient`).
 */
export interface SystemControl {
  /** Kills one replica process (SIGKILL). */
  killReplica(id: string): Promise<void>
  /** Kills one Zellular node process (SIGKILL), by its node id. */
  killNode(id: string): Promise<void>
  /**
   * Pauses one replica process (SIGSTOP): its connections stay open and take no bytes, as a hung
   * process's do; `resumeReplica` (SIGCONT) lets it go on.
   */
  pauseReplica(id: string): Promise<void>
  resumeReplica(id: string): Promise<void>
}

/**
 * Serves `SystemControl` on 127.0.0.1:`port`: `POST /kill/replica/:id`, `POST /kill/node/:id`,
 * `POST /pause/replica/:id`, `POST /resume/replica/:id`.
 */
export function startControlServer(control: SystemControl, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const match = /^\/(kill|pause|resume)\/(replica|node)\/([^/]+)$/.exec(request.url ?? '')
    if (request.method !== 'POST' || !match) return void response.writeHead(404).end()
    const [, verb, kind, id] = match as unknown as [string, string, 'replica' | 'node', string]
    const operations: Record<string, ((id: string) => Promise<void>) | undefined> = {
      'kill replica': (target) => control.killReplica(target),
      'kill node': (target) => control.killNode(target),
      'pause replica': (target) => control.pauseReplica(target),
      'resume replica': (target) => control.resumeReplica(target),
    }
    const operation = operations[`${verb} ${kind}`]
    if (operation === undefined) return void response.writeHead(404).end()
    const target = decodeURIComponent(id)
    // Never let a failing operation take the runner (and the system's teardown) down.
    Promise.resolve()
      .then(() => operation(target))
      .then(
        () => response.writeHead(204).end(),
        (error: Error) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      )
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

/** The test side of the control endpoint. */
export function controlClient(port: number) {
  const post = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST' })
    if (!response.ok)
      throw new Error(`control ${path}: ${response.status} ${await response.text()}`)
  }
  return {
    killReplica: (id: string) => post(`/kill/replica/${encodeURIComponent(id)}`),
    killNode: (id: string) => post(`/kill/node/${encodeURIComponent(id)}`),
    pauseReplica: (id: string) => post(`/pause/replica/${encodeURIComponent(id)}`),
    resumeReplica: (id: string) => post(`/resume/replica/${encodeURIComponent(id)}`),
  }
}
