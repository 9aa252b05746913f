const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d

/**
 * Whether arrays and objects in `raw` nest deeper than `maxDepth`, decided in one pass over the bytes and
 * before JSON.parse: the parse itself copes with deep input, but everything that walks the result afterwards
 * (schema validation, JSON.stringify) recurses and overflows the stack on 100,000 levels.
 *
 * Bytes are scanned rather than characters: every byte of a multi-byte UTF-8 sequence is >= 0x80, so none can
 * pass for a quote, a backslash or a bracket. Malformed input is left to JSON.parse, which rejects it.
 */
export const exceedsJsonDepth = (raw: Uint8Array, maxDepth: number): boolean => {
  let depth = 0
  let inString = false
  const length = raw.length
  for (let index = 0; index < length; index++) {
    const byte = raw[index]
    if (inString) {
      // The byte after a backslash is escaped whatever it is (\" and \\ included), so it is skipped.
      if (byte === BACKSLASH) index++
      else if (byte === QUOTE) inString = false
    } else if (byte === QUOTE) {
      inString = true
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++
      if (depth > maxDepth) return true
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--
    }
  }
  return false
}
