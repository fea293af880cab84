/**
 * @module errors
 * `BaseError`, the base of the project's error classes: short message, details, meta messages,
 * cause, and `walk` along the causes. Pure. Everything public is listed here.
 */
export { BaseError } from './baseError.ts'
export type { BaseErrorParameters } from './baseError.ts'
