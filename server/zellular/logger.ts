/** A tiny leveled logger that prefixes each line with the process's name; the launcher shows it. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export function createLogger(name: string, stream: NodeJS.WritableStream = process.stdout): Logger {
  const write = (level: string, message: string) =>
    stream.write(`${new Date().toISOString().slice(11, 23)} ${level} [${name}] ${message}\n`)
  return {
    info: (message) => write('INFO ', message),
    warn: (message) => write('WARN ', message),
    error: (message) => write('ERROR', message),
  }
}
