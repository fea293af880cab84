/**
 * @module wait
 * `sleep`: a pause that an `AbortSignal` ends early, for the loops of the SDK, the servers and the
 * web app. No I/O beyond a timer. Everything public is listed here.
 */
export { sleep } from './sleep.ts'
