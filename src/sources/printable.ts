/**
 * Text from a file the user did not write by hand (a cell, a header, a file name) made safe to print: control
 * characters (C0, DEL, C1), bidirectional overrides and zero-width characters are shown as escapes, so a hostile
 * or binary file cannot move the cursor, retitle the terminal or reorder what a message appears to say.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

const escape = (char: string): string => {
  const named = NAMED[char]
  if (named) return named
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `text` with unsafe characters escaped, cut to `max` characters (an ellipsis marks the cut). */
export function printable(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text
  return cut.replace(UNSAFE, escape)
}
