import { spawn, type ChildProcess } from 'node:child_process'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'

/** How a launcher process ended. */
export interface LauncherExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * `npm start`'s launcher (`node server/start.mjs …`) run as a child, for the code that drives it
 * from outside as a user would (`bench:start`, `start.test.ts`): in its own process group, so
 * the services it spawns can be found and, if it is killed, ended with it.
 */
export class LauncherProcess {
  readonly child: ChildProcess
  /** Settles when the launcher has exited, with its code or signal. */
  readonly exited: Promise<LauncherExit>
  #output = ''

  /**
   * @param launcherArguments after `server/start.mjs` (`--port-offset=…`, `--data-dir=…`, …)
   * @param nodeArguments before it (`--import` a preload, …)
   */
  constructor(launcherArguments: readonly string[], nodeArguments: readonly string[] = []) {
    this.child = spawn(
      process.execPath,
      [...nodeArguments, 'server/start.mjs', ...launcherArguments],
      { cwd: REPOSITORY_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    const collect = (chunk: Buffer) => (this.#output += chunk.toString())
    this.child.stdout!.on('data', collect)
    this.child.stderr!.on('data', collect)
  }

  /** Everything it printed so far, standard output and error interleaved as they came. */
  get output(): string {
    return this.#output
  }

  /**
   * The first match of `pattern` in what it prints, as soon as it is printed; rejects, with what
   * it printed, if it exits before.
   */
  waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.#output)
        if (match === null) return false
        this.child.stdout!.off('data', onData)
        this.child.stderr!.off('data', onData)
        this.child.off('exit', onExit)
        resolve(match)
        return true
      }
      const onData = () => check()
      const onExit = (code: number | null) => {
        // Output can still be in the pipe when the process ends.
        setImmediate(() => {
          if (!check()) reject(new Error(`the launcher exited ${code}: ${this.#output}`))
        })
      }
      if (check()) return
      this.child.stdout!.on('data', onData)
      this.child.stderr!.on('data', onData)
      this.child.once('exit', onExit)
    })
  }

  /** Seconds in its `ready in N s` line, once it prints it (the system is up). */
  async ready(): Promise<number> {
    const match = await this.waitFor(/ready in ([\d.]+) s/)
    return Number(match[1])
  }

  /** Ends it and every process of its group at once (a test's cleanup), if it is still running. */
  killGroup(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL')
      } catch {
        // The group ended meanwhile.
      }
    }
  }
}
