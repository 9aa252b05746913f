import { type FileHandle, open } from 'node:fs/promises'

import { UserError } from '../errors.js'
import { printable } from './printable.js'

/** Encodings `--encoding` accepts. WHATWG (and so Node's TextDecoder) reads "latin1" as Windows-1252. */
export const CSV_ENCODINGS = ['utf8', 'latin1', 'windows-1252'] as const
export type CsvEncoding = (typeof CSV_ENCODINGS)[number]

/** The TextDecoder label a file is read with. */
export type CsvDecoder = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be'

export interface CsvInspection {
  size: number
  decoder: CsvDecoder
  delimiter: string
  delimiterDetected: boolean
}

const SAMPLE_BYTES = 64 * 1024
const CHUNK_BYTES = 256 * 1024
/** More control characters than this share of the first 64 KiB: binary data, not a CSV export. */
const CONTROL_SHARE = 0.1

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }

/** The delimiter a `--delimiter` value names: one character, or "tab"/"\t". */
export function parseDelimiter(text: string): string {
  const value = text === 'tab' || text === '\\t' ? '\t' : text
  if (value.length !== 1 || value === '"' || value === '\r' || value === '\n') {
    throw new UserError(
      `--delimiter "${printable(text)}" is not a field delimiter`,
      'give one character, e.g. --delimiter ";" or --delimiter tab',
    )
  }
  return value
}

export const delimiterName = (delimiter: string): string => DELIMITER_NAMES[delimiter] ?? `"${printable(delimiter)}"`

/** The header's most frequent of `,` `;` tab outside quotes; a comma when none appears. */
export function detectDelimiter(header: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ])
  let quoted = false
  for (const char of header) {
    if (char === '"') quoted = !quoted
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1)
  }
  let best = ','
  for (const [char, count] of counts) if (count > (counts.get(best) ?? 0)) best = char
  return best
}

const notText = (path: string, why: string, hint?: string): UserError =>
  new UserError(
    `${printable(path, 300)} is not a text file: ${why}`,
    hint ?? 'give the CSV call export from the Aircall dashboard (Analytics › Calls › Export CSV)',
    2,
    'file_not_text',
  )

const MAGIC: Array<{ bytes: number[]; what: string }> = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'an Excel workbook (.xlsx) or a ZIP archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an Excel 97–2003 workbook (.xls)' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
]

const isControl = (byte: number): boolean =>
  (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f

const isBlank = (byte: number): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d

/**
 * Reads the whole file once before anything is imported, so a file that cannot be imported is refused before the
 * first write (exit 2, the command did not start): missing, empty, binary, or not valid UTF-8 when no
 * `--encoding` was given (the error names the byte offset and line, and what that line reads as in Windows-1252).
 * Also picks the delimiter from the header line. Memory stays constant: the file is read in chunks.
 */
export async function inspectCsv(
  path: string,
  options: { encoding?: CsvEncoding | undefined; delimiter?: string | undefined },
): Promise<CsvInspection> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw fileError(path, error as NodeJS.ErrnoException)
  }
  try {
    const stat = await handle.stat()
    if (stat.isDirectory()) throw fileError(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }))
    const size = stat.size
    if (size === 0) throw emptyFile(path)
    const sample = await readAt(handle, 0, Math.min(size, SAMPLE_BYTES))

    const decoder = decoderFor(sample, options.encoding)
    if (decoder === 'utf-16le' || decoder === 'utf-16be') {
      const text = new TextDecoder(decoder).decode(sample)
      if (text.trim() === '') throw emptyFile(path)
      return withDelimiter(size, decoder, firstLine(text), options.delimiter)
    }

    const magic = MAGIC.find(({ bytes }) => bytes.every((byte, index) => sample[index] === byte))
    if (magic)
      throw notText(
        path,
        `it looks like ${magic.what}`,
        'save it as CSV (UTF-8), or export the calls from the Aircall dashboard as CSV',
      )
    let controls = 0
    for (const byte of sample) if (isControl(byte)) controls++
    if (controls > sample.length * CONTROL_SHARE) {
      throw notText(path, `${controls} control characters in its first ${sample.length.toLocaleString('en-US')} bytes`)
    }

    const utf8 = decoder === 'utf-8' ? new Utf8Validator() : null
    const bom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 3 : 0
    let line = 1
    let lineStart = 0
    let content = false
    for (let position = 0; position < size; position += CHUNK_BYTES) {
      const chunk = await readAt(handle, position, Math.min(CHUNK_BYTES, size - position))
      if (chunk.length === 0) break
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number
        const offset = position + i
        if (byte === 0) throw notText(path, `a NUL byte at byte ${offset} (line ${line})`)
        if (utf8 && !utf8.push(byte)) throw await encodingError(handle, path, utf8.start(offset), line, lineStart)
        if (byte === 0x0a) {
          line++
          lineStart = offset + 1
        } else if (!content && offset >= bom && !isBlank(byte)) {
          content = true
        }
      }
    }
    if (utf8 && !utf8.complete()) throw await encodingError(handle, path, utf8.start(size), line, lineStart)
    if (!content) throw emptyFile(path)
    const header = new TextDecoder(decoder).decode(sample.subarray(0, headerEnd(sample)))
    return withDelimiter(size, decoder, header, options.delimiter)
  } finally {
    await handle.close()
  }
}

/** A UTF-16 byte-order mark decides (Excel's "Unicode text"); otherwise UTF-8 unless `--encoding` says otherwise. */
function decoderFor(sample: Buffer, encoding: CsvEncoding | undefined): CsvDecoder {
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le'
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be'
  return encoding === undefined || encoding === 'utf8' ? 'utf-8' : 'windows-1252'
}

const headerEnd = (sample: Buffer): number => {
  const newline = sample.indexOf(0x0a)
  return newline === -1 ? sample.length : newline
}

const firstLine = (text: string): string => text.split(/\r?\n/, 1)[0] ?? ''

function withDelimiter(size: number, decoder: CsvDecoder, header: string, given: string | undefined): CsvInspection {
  if (given !== undefined) return { size, decoder, delimiter: parseDelimiter(given), delimiterDetected: false }
  return { size, decoder, delimiter: detectDelimiter(header.replace(/^\uFEFF/, '')), delimiterDetected: true }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await handle.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

const emptyFile = (path: string): UserError =>
  new UserError(
    `${printable(path, 300)} is empty`,
    'export the calls again from the Aircall dashboard (Analytics › Calls › Export CSV)',
    2,
    'file_empty',
  )

async function encodingError(
  handle: FileHandle,
  path: string,
  offset: number,
  line: number,
  lineStart: number,
): Promise<UserError> {
  const [byte] = await readAt(handle, offset, 1)
  const shown = `0x${(byte ?? 0).toString(16).toUpperCase().padStart(2, '0')}`
  const raw = await readAt(handle, lineStart, 240)
  const newline = raw.indexOf(0x0a)
  const text = new TextDecoder('windows-1252').decode(raw.subarray(0, newline === -1 ? raw.length : newline))
  return new UserError(
    `${printable(path, 300)} is not valid UTF-8: byte ${offset} (line ${line}) is ${shown}`,
    `if it was saved by Excel or an older system, add --encoding windows-1252 (or latin1): line ${line} would then read ` +
      `"${printable(text.replace(/\r$/, ''), 120)}"; otherwise export it again as CSV UTF-8`,
    2,
    'file_encoding',
  )
}

/** The file could not be read at all: the command did not start, so exit 2 with the path named. */
export function fileError(path: string, error: NodeJS.ErrnoException): UserError {
  const missing = error.code === 'ENOENT'
  const reason = missing ? 'no such file' : error.code === 'EISDIR' ? 'it is a directory' : error.message
  return new UserError(
    `cannot read the CSV export ${printable(path, 300)}: ${printable(reason, 200)}`,
    missing ? 'check the path given to --csv (relative paths start from the current directory)' : undefined,
    2,
    missing ? 'file_not_found' : 'file_unreadable',
  )
}

/**
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), one byte at a time so a
 * sequence split between two reads is judged whole.
 */
class Utf8Validator {
  private need = 0
  private seen = 0
  private low = 0x80
  private high = 0xbf

  /** False at the first byte that cannot continue valid UTF-8. */
  push(byte: number): boolean {
    if (this.need === 0) {
      if (byte < 0x80) return true
      this.seen = 0
      this.low = 0x80
      this.high = 0xbf
      if (byte >= 0xc2 && byte <= 0xdf) this.need = 1
      else if (byte >= 0xe0 && byte <= 0xef) {
        this.need = 2
        if (byte === 0xe0) this.low = 0xa0
        if (byte === 0xed) this.high = 0x9f
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        this.need = 3
        if (byte === 0xf0) this.low = 0x90
        if (byte === 0xf4) this.high = 0x8f
      } else return false
      return true
    }
    if (byte < this.low || byte > this.high) return false
    this.low = 0x80
    this.high = 0xbf
    this.need--
    this.seen++
    return true
  }

  /** Where the sequence that failed at `offset` began. */
  start(offset: number): number {
    return offset - (this.need > 0 ? this.seen + 1 : 0)
  }

  complete(): boolean {
    return this.need === 0
  }
}
