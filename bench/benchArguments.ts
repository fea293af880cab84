/**
 * A bench's command line, read one option at a time, each in either form (`--name=value` or
 * `--name value`), with one check at the end: `finish()` refuses every argument no option read,
 * so a mistyped option (`--rate=200` for `--rates=200`) stops the bench at once instead of
 * letting it run for minutes on its defaults.
 *
 * @example
 * const args = new BenchArguments(process.argv.slice(2))
 * const seconds = args.number('seconds', args.smoke ? 2 : 10)
 * const rates = args.numbers('rates', args.smoke ? [50] : [50, 200, 1000])
 * args.finish()
 */
export class BenchArguments {
  readonly #argv: readonly string[]
  /** Positions of the arguments an option has read. */
  readonly #read = new Set<number>()
  /** The options asked for, for the message naming what the bench takes. */
  readonly #asked = new Set<string>()
  constructor(argv: readonly string[]) {
    this.#argv = argv
  }

  /** `--smoke`: a bench's quick run (seconds, for its smoke test), where it has one. */
  get smoke(): boolean {
    return this.flag('smoke')
  }

  /** `--name`: present or not. */
  flag(name: string): boolean {
    this.#asked.add(`--${name}`)
    const at = this.#argv.indexOf(`--${name}`)
    if (at < 0) return false
    this.#read.add(at)
    return true
  }

  /** `--name=value` or `--name value`, the first given; undefined when absent. */
  text(name: string): string | undefined {
    return this.#values(name)[0]
  }

  /** A number ≥ 0 (`0x` hex too); `integer` also requires a whole one, `min` a least value. */
  number(name: string, fallback: number, rules: { integer?: boolean; min?: number } = {}): number {
    const text = this.text(name)
    if (text === undefined) return fallback
    const value = text.trim() === '' ? Number.NaN : Number(text)
    const { integer = false, min = 0 } = rules
    if (!Number.isFinite(value) || value < min || (integer && !Number.isSafeInteger(value))) {
      throw new RangeError(`--${name} takes ${integer ? 'a whole number' : 'a number'} ≥ ${min}`)
    }
    return value
  }

  /** `--name=1,2,3`: a comma list of numbers ≥ 0. */
  numbers(name: string, fallback: readonly number[]): number[] {
    const text = this.text(name)
    if (text === undefined) return [...fallback]
    const values = text.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)))
    if (!values.every((value) => Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`--${name} takes a comma list of numbers ≥ 0, not ${text}`)
    }
    return values
  }

  /** One of `choices`. */
  choice<choice extends string>(name: string, choices: readonly choice[], fallback: choice) {
    return this.choices(name, choices, [fallback])[0]!
  }

  /** A comma list of `choices` (`--db=sqlite,postgres`). */
  choices<choice extends string>(
    name: string,
    choices: readonly choice[],
    fallback: readonly choice[],
  ): choice[] {
    const text = this.text(name)
    if (text === undefined) return [...fallback]
    const picked = text.split(',').map((part) => choices.find((known) => known === part))
    if (picked.some((known) => known === undefined)) {
      throw new RangeError(`--${name} takes ${choices.join(', ')} (comma-separated), not ${text}`)
    }
    return picked as choice[]
  }

  /**
   * Every `--name=NAME=value` (repeatable) as an environment for the processes a bench starts,
   * e.g. `--zellular-env=ZSEQUENCER_ROUND_GAP=0.05` or
   * `--replica-env=SERVICE_NODE_FLAGS=--cpu-prof --cpu-prof-dir=/tmp/prof` (the value is all
   * after the pair's first `=`, so it may hold more).
   */
  environment(name: string): Record<string, string> {
    const environment: Record<string, string> = {}
    for (const pair of this.#values(name)) {
      const equals = pair.indexOf('=')
      if (equals <= 0) throw new RangeError(`--${name} takes NAME=value, not ${pair}`)
      environment[pair.slice(0, equals)] = pair.slice(equals + 1)
    }
    return environment
  }

  /** Refuses the arguments no option read: call once every option is read. */
  finish(): void {
    const unread = this.#argv.filter((_, at) => !this.#read.has(at))
    if (unread.length === 0) return
    const takes = [...this.#asked].sort().join(' ')
    throw new RangeError(`not an option of this bench: ${unread.join(' ')} (it takes ${takes})`)
  }

  /** The values of every `--name=value` and `--name value`, in order, marked read. */
  #values(name: string): string[] {
    this.#asked.add(`--${name}`)
    const values: string[] = []
    for (const [at, argument] of this.#argv.entries()) {
      if (argument.startsWith(`--${name}=`)) {
        values.push(argument.slice(name.length + 3))
        this.#read.add(at)
      } else if (argument === `--${name}`) {
        const value = this.#argv[at + 1]
        if (value === undefined || value.startsWith('--')) {
          throw new RangeError(`--${name} needs a value`)
        }
        values.push(value)
        this.#read.add(at).add(at + 1)
      }
    }
    return values
  }
}
