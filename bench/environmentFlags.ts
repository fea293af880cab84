/**
 * The `--<flag>=NAME=value` arguments (repeatable) as an environment for the processes a bench
 * starts, e.g. `--zellular-env=ZSEQUENCER_ROUND_GAP=0.05` or
 * `--replica-env=NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/prof` (the value is everything
 * after the first `=` of the pair, so it may hold more).
 */
export function environmentFlags(argv: readonly string[], flag: string): Record<string, string> {
  const prefix = `--${flag}=`
  const environment: Record<string, string> = {}
  for (const argument of argv) {
    if (!argument.startsWith(prefix)) continue
    const pair = argument.slice(prefix.length)
    const equals = pair.indexOf('=')
    if (equals <= 0) throw new RangeError(`${prefix}NAME=value, not ${argument}`)
    environment[pair.slice(0, equals)] = pair.slice(equals + 1)
  }
  return environment
}
