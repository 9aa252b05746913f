import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { parse } from 'csv-parse/sync'
import { describe, expect, test } from 'vitest'

import { CsvExportSource, type CsvExportSourceOptions } from '../../src/sources/csv-export.js'
import { printable } from '../../src/sources/printable.js'
import type { SourceProgress } from '../../src/sources/source-progress.js'
import type { SourceWarning } from '../../src/sources/types.js'
import { UserError } from '../../src/errors.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

/** Control characters a terminal acts on (C0 but tab and line feed, DEL, C1). */
const hasControl = (text: string): boolean =>
  [...text].some((char) => {
    const code = char.charCodeAt(0)
    return (code < 0x20 && char !== '\t' && char !== '\n') || (code >= 0x7f && code <= 0x9f)
  })

const HEADER = ['Call ID', 'Date (UTC)', 'Direction', 'From', 'To', 'Duration (s)', 'Comments']
const ROWS = [
  ['101', '2026-03-02 09:15:00', 'inbound', '+33 1 99 00 12 34', '+33 1 99 00 00 10', '125', 'Café crème'],
  ['102', '2026-03-02 10:00:00', 'outbound', '+33 1 99 00 00 10', '+44 20 7946 0123', '64', ''],
  ['103', '2026-03-02 10:30:00', 'inbound', '+1 202-555-0142', '+33 1 99 00 00 10', '0', 'Rappeler à 14h'],
]

const csvText = (delimiter: string, rows: string[][] = ROWS): string =>
  [HEADER, ...rows].map((row) => row.join(delimiter)).join('\r\n') + '\r\n'

interface Imported {
  ids: string[]
  comments: string[]
  warnings: SourceWarning[]
  progress: SourceProgress[]
  source: CsvExportSource
}

async function importAll(file: string, options: Omit<CsvExportSourceOptions, 'file'> = {}): Promise<Imported> {
  const warnings: SourceWarning[] = []
  const progress: SourceProgress[] = []
  const ids: string[] = []
  const comments: string[] = []
  const source = new CsvExportSource({ file, onProgress: (event) => progress.push(event), ...options })
  for await (const window of source.windows({ onWarning: (warning) => warnings.push(warning) })) {
    for await (const call of window.calls) {
      ids.push(call.callId)
      comments.push(call.comments.join(' / '))
    }
  }
  return { ids, comments, warnings, progress, source }
}

async function refusal(file: string, options: Omit<CsvExportSourceOptions, 'file'> = {}): Promise<UserError> {
  const error = await importAll(file, options).then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(UserError)
  return error as UserError
}

const write = (name: string, content: string | Buffer): string => {
  const file = join(tempDir(), name)
  writeFileSync(file, content)
  return file
}

describe('CSV delimiters', () => {
  test.each([
    ['comma', ','],
    ['semicolon (Excel in French, German…)', ';'],
    ['tab', '\t'],
  ])('%s: detected from the header line', async (_name, delimiter) => {
    const run = await importAll(write('export.csv', csvText(delimiter)))
    expect(run.ids).toEqual(['101', '102', '103'])
    expect(run.warnings).toEqual([])
    expect(run.source.summary()).toMatchObject({ delimiter, rows: 3, rejected: 0 })
  })

  test('a semicolon file whose comments hold commas is still read by its header', async () => {
    const rows = ROWS.map((row) => [...row.slice(0, 6), 'one, two, three'])
    const run = await importAll(write('export.csv', csvText(';', rows)))
    expect(run.ids).toEqual(['101', '102', '103'])
    expect(run.comments[0]).toBe('one, two, three')
  })

  test('--delimiter overrides the detection', async () => {
    // The header alone would pick ";" (a column named "Notes; internal"), and "|" is never detected.
    const file = write(
      'export.csv',
      'Call ID|Date (UTC)|Direction|From|Notes; internal\n7|2026-03-02 09:15:00|inbound|+33199001234|a; b\n',
    )
    await refusal(file)
    const run = await importAll(file, { delimiter: '|' })
    expect(run.ids).toEqual(['7'])
  })

  test('a header that splits into one column names the delimiter it used and the flag', async () => {
    const error = await refusal(write('export.csv', 'Call ID:Date:Direction:From\n1:2:3:4\n'))
    expect(error.message).toContain('does not look like an Aircall call export')
    expect(error.hint).toContain('--delimiter')
  })
})

describe('CSV encodings', () => {
  const latin1 = Buffer.from(csvText(','), 'latin1')

  test('a Latin-1 file without --encoding is refused, naming the file, the byte offset and the line', async () => {
    const file = write('latin1.csv', latin1)
    const error = await refusal(file)
    const offset = latin1.indexOf(0xe9)
    expect(error.exitCode).toBe(2)
    expect(error.errorCode).toBe('file_encoding')
    expect(error.message).toContain(file)
    expect(error.message).toContain('not valid UTF-8')
    expect(error.message).toContain(`byte ${offset}`)
    expect(error.message).toContain('line 2')
    expect(error.hint).toContain('--encoding windows-1252')
    // What the line reads as in Windows-1252, so the user can tell the guess is right.
    expect(error.hint).toContain('Café crème')
  })

  test.each(['latin1', 'windows-1252'] as const)('--encoding %s decodes it', async (encoding) => {
    const run = await importAll(write('latin1.csv', latin1), { encoding })
    expect(run.ids).toEqual(['101', '102', '103'])
    expect(run.comments).toEqual(['Café crème', '', 'Rappeler à 14h'])
  })

  test('UTF-8 with a BOM, and UTF-16 with its BOM (Excel "Unicode text", tab-separated), are read', async () => {
    const bom = await importAll(write('bom.csv', `\uFEFF${csvText(',')}`))
    expect(bom.ids).toEqual(['101', '102', '103'])
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvText('\t'), 'utf16le')])
    const wide = await importAll(write('unicode.txt', utf16))
    expect(wide.comments).toEqual(['Café crème', '', 'Rappeler à 14h'])
  })

  test('a multi-byte character split across read chunks is valid UTF-8', async () => {
    const long = 'é'.repeat(40_000)
    const rows = [['101', '2026-03-02 09:15:00', 'inbound', '+33 1 99 00 12 34', '+33 1 99 00 00 10', '1', long]]
    const run = await importAll(write('long.csv', csvText(',', rows)))
    expect(run.comments).toEqual([long])
  })
})

describe('files that are not text, or empty', () => {
  test('NUL bytes: refused as not text, without echoing a byte of it', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))
    const error = await refusal(write('garbage.csv', garbage))
    expect(error.errorCode).toBe('file_not_text')
    expect(error.message).toContain('is not a text file')
    expect(hasControl(`${error.message}${error.hint ?? ''}`)).toBe(false)
  })

  test('an Excel workbook is named as one', async () => {
    const xlsx = Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000', 'latin1'), Buffer.alloc(64)])
    const error = await refusal(write('calls.xlsx', xlsx))
    expect(error.message).toContain('is not a text file')
    expect(error.message).toMatch(/Excel workbook/)
  })

  test('many control characters: refused as not text', async () => {
    const noisy = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 5 === 0 ? 0x1b : 0x41)))
    const error = await refusal(write('noisy.csv', noisy))
    expect(error.errorCode).toBe('file_not_text')
  })

  test.each([
    ['nothing', ''],
    ['a BOM and blank lines', '\uFEFF\r\n\r\n  \n'],
  ])('%s: "<path> is empty", exit 2', async (_name, content) => {
    const file = write('empty.csv', content)
    const error = await refusal(file)
    expect(error.message).toBe(`${file} is empty`)
    expect(error.exitCode).toBe(2)
    expect(error.errorCode).toBe('file_empty')
  })

  test('control bytes in cells and headers are escaped in every message', async () => {
    const file = write(
      'evil.csv',
      'Call ID,Date (UTC),Direction,From,\u001b[31mEvil\u001b[0m\n' +
        '1\u001b]0;pwned\u0007,2026-03-02 09:15:00,inbound,+33199001234,x\n' +
        '2,2026-03-02 09:15:00,\u001b[2Jsideways,+33199001234,x\n',
    )
    const run = await importAll(file, { rejects: join(tempDir(), 'rejects.csv') })
    const messages = run.warnings.map((warning) => warning.message)
    expect(messages).toHaveLength(3)
    for (const message of messages) expect(hasControl(message)).toBe(false)
    expect(messages.join('\n')).toContain('\\x1b[31mEvil')
    expect(messages.join('\n')).toContain('\\x1b[2Jsideways')
  })

  test('printable: controls, C1, bidi overrides and long values', () => {
    expect(printable('a\u0000b\tc\u009b\u202Ed')).toBe('a\\x00b\\tc\\x9b\\u202ed')
    expect(printable('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`)
  })
})

describe('rejects', () => {
  const lines = [
    HEADER.join(','),
    ROWS[0]!.join(','),
    ',2026-03-02 10:30:00,inbound,+33199001234,+33199000010,10,',
    '104,yesterday-ish,inbound,+33199001234,+33199000010,30,',
    ROWS[1]!.join(','),
    '105,2026-03-02 11:00:00,inbound,+33199001234',
    '106,2026-03-02 11:00:00,inbound,+33199001234,+33199000010,20,"unterminated "quote" here",x',
    ROWS[2]!.join(','),
  ]

  test('every row not imported is in the rejects file with its line and reason; the good rows are imported', async () => {
    const rejects = join(tempDir(), 'out.rejects.csv')
    const run = await importAll(write('export.csv', `${lines.join('\n')}\n`), { rejects })
    expect(run.ids).toEqual(['101', '102', '103'])
    expect(run.warnings.map((warning) => (warning.code === 'bad-row' ? warning.line : 0))).toEqual([3, 4, 6, 7])
    const rows = parse(readFileSync(rejects, 'utf8'), { relax_column_count: true }) as string[][]
    expect(rows[0]).toEqual(['Rejected at line', 'Rejection reason', ...HEADER])
    expect(rows.slice(1).map((row) => row[0])).toEqual(['3', '4', '6', '7'])
    expect(rows[1]?.[1]).toContain('missing call id')
    expect(rows[2]?.[1]).toContain('unreadable date')
    expect(rows[2]?.slice(2, 4)).toEqual(['104', 'yesterday-ish'])
    expect(rows[3]?.[1]).toContain('fields where the header has 7')
    expect(rows[4]?.[1]).toContain('closing quote')
    expect(rows[4]?.[2]).toBe('106')
    expect(run.source.summary()).toMatchObject({ rows: 7, rejected: 4, rejectsFile: rejects })
  })

  test('a quote never closed rejects the rest of the file as one row, from the line it opened', async () => {
    const rejects = join(tempDir(), 'out.rejects.csv')
    const text = [
      HEADER.join(','),
      ROWS[0]!.join(','),
      `107,2026-03-02 11:00:00,inbound,+1,+2,3,"open`,
      ROWS[1]!.join(','),
    ]
    const run = await importAll(write('export.csv', `${text.join('\n')}\n`), { rejects })
    expect(run.ids).toEqual(['101'])
    expect(run.warnings).toMatchObject([{ code: 'bad-row', line: 3 }])
    expect(run.warnings[0]?.message).toContain('never closed')
  })

  test('a rerun without bad rows removes the rejects file an earlier run wrote, and no file is made for none', async () => {
    const dir = tempDir()
    const file = join(dir, 'export.csv')
    const rejects = join(dir, 'export.csv.rejects.csv')
    writeFileSync(file, `${lines.join('\n')}\n`)
    await importAll(file, { rejects })
    expect(existsSync(rejects)).toBe(true)
    writeFileSync(file, csvText(','))
    const clean = await importAll(file, { rejects })
    expect(clean.source.summary()).toMatchObject({ rejected: 0, rejectsFile: null })
    expect(existsSync(rejects)).toBe(false)
  })

  test('a file of ours is never overwritten by its own rejects', async () => {
    const file = write('export.csv', csvText(','))
    const error = await refusal(file, { rejects: file })
    expect(error.message).toContain('--rejects')
  })
})

describe('progress by bytes', () => {
  test('bytes read climb to the file size', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [
      String(1000 + i),
      '2026-03-02 09:15:00',
      'inbound',
      '+33 1 99 00 12 34',
      '+33 1 99 00 00 10',
      '1',
      'x'.repeat(40),
    ])
    const text = csvText(',', rows)
    const run = await importAll(write('big.csv', text))
    const bytes = run.progress.flatMap((event) => (event.type === 'bytes' ? [event] : []))
    expect(bytes.length).toBeGreaterThan(1)
    expect(bytes.every((event) => event.total === Buffer.byteLength(text))).toBe(true)
    const reads = bytes.map((event) => event.read)
    expect(reads).toEqual([...reads].sort((a, b) => a - b))
    expect(reads.at(-1)).toBe(Buffer.byteLength(text))
  })
})
