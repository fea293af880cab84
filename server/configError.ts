import { readFileSync } from 'node:fs'
import type { z } from 'zod'
import { BaseError } from '../shared/errors/index.ts'

/**
 * A service's configuration is missing or wrong. Its message is one line naming every offending
 * variable or file, for an operator: a service prints it and exits instead of a stack trace.
 */
export class ConfigError extends BaseError {
  override name = 'ConfigError' as const
}

/**
 * Parses `input` with `schema`, or throws a `ConfigError` listing each issue as
 * `<name>: <problem>`; `nameOf` turns an issue's path into the name the operator sets (an
 * environment variable, a file's field), `source` says where the input came from.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  source: string,
  nameOf: (path: readonly PropertyKey[]) => string = (path) => path.map(String).join('.'),
): z.output<Schema> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.length === 0 ? '(whole value)' : nameOf(issue.path)
    return `${name}: ${problemOf(issue)}`
  })
  throw new ConfigError(`${source}: ${problems.join('; ')}`)
}

/** Zod's wording, except "required" for a value that is not there and "empty" for "". */
function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required'
  const empty = issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1
  return empty ? 'empty' : issue.message
}

/** The environment variables `schema` reads, each problem named by its variable. */
export function parseEnvironment<Schema extends z.ZodType>(
  schema: Schema,
  environment: NodeJS.ProcessEnv,
): z.output<Schema> {
  return parseConfig(schema, environment, 'environment', (path) => String(path[0]))
}

/** The JSON file a `setting` names, parsed; each problem names the setting and the file. */
export function parseConfigFile<Schema extends z.ZodType>(
  schema: Schema,
  setting: string,
  file: string,
): z.output<Schema> {
  return parseConfig(schema, readConfigJson(setting, file), `${setting} ${file}`)
}

/** The JSON in `file`, named to the operator by the `setting` that points at it. */
export function readConfigJson(setting: string, file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(`${setting} ${file}: cannot be read (${code})`, { cause: error })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]
    throw new ConfigError(`${setting} ${file}: not JSON (${reason})`, { cause: error })
  }
}

/**
 * Runs a service's configuration step: a `ConfigError` is printed as one line on stderr,
 * `<service>: configuration: <message>`, and the process exits 1; anything else is thrown on.
 */
export function configuredOrExit<Config>(service: string, load: () => Config): Config {
  try {
    return load()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`${service}: configuration: ${error.shortMessage}`)
    process.exit(1)
  }
}
