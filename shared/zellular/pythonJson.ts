/**
 * Byte-for-byte Python `json.dumps(value, sort_keys=True)` with default arguments: `", "` and
 * `": "` separators and `ensure_ascii=True`. Zellular signs the xxh128 of this text, so a single
 * differing byte makes every signature fail.
 *
 * Integers may be `number` (safe integers) or `bigint`; floats are refused because Python's float
 * repr and JavaScript's differ in edge cases, and no Zellular message carries one.
 */
export type PythonJsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly PythonJsonValue[]
  | { readonly [key: string]: PythonJsonValue }

export function pythonJsonDumps(value: PythonJsonValue): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return value.toString()
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`)
      return String(value)
  }
  if (Array.isArray(value)) return `[${value.map((item) => pythonJsonDumps(item)).join(', ')}]`
  const object = value as { readonly [key: string]: PythonJsonValue }
  // Python sorts keys by code point; JavaScript's default sort compares UTF-16 units, which
  // agrees for every key outside the astral planes. Zellular keys are ASCII.
  const keys = Object.keys(object).sort()
  return `{${keys.map((key) => `${quote(key)}: ${pythonJsonDumps(object[key]!)}`).join(', ')}}`
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

function quote(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    const code = text.charCodeAt(i)
    const short = SHORT_ESCAPES[char]
    if (short !== undefined) out += short
    // ensure_ascii: every UTF-16 unit outside printable ASCII becomes \uXXXX in lower-case hex,
    // which writes astral characters as surrogate pairs exactly as Python does.
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += char
  }
  return out + '"'
}
