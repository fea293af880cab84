/**
 * The API version a node speaks and checks in the `Version` header (zsequencer's `VERSION`,
 * `v0.1.7`). Compared by number, not as text: `v0.1.10` is newer than `v0.1.9`, and `0.1.7`
 * names the same version as `v0.1.7`.
 */
export interface ApiVersion {
  readonly major: number
  readonly minor: number
  readonly patch: number
}

/** Parses `v<major>.<minor>.<patch>` (the `v` optional), or null. */
export function parseApiVersion(text: string): ApiVersion | null {
  const match = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/.exec(text.trim())
  if (!match) return null
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) }
}

/** Negative if `a` is older than `b`, 0 if the same, positive if newer. */
export function compareApiVersions(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

export function formatApiVersion(version: ApiVersion): string {
  return `v${version.major}.${version.minor}.${version.patch}`
}
