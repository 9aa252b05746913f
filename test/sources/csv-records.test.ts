import { stringify } from 'csv-stringify/sync'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'

import { type CsvRecord, csvRecords } from '../../src/sources/csv-records.js'

async function read(text: string, delimiter = ',', chunk = 7): Promise<CsvRecord[]> {
  async function* chunks(): AsyncGenerator<string> {
    for (let i = 0; i < text.length; i += chunk) {
      // Each chunk a turn of the event loop later, as a file stream delivers them.
      await Promise.resolve()
      yield text.slice(i, i + chunk)
    }
  }
  const records: CsvRecord[] = []
  for await (const record of csvRecords(chunks(), delimiter)) records.push(record)
  return records
}

describe('CSV records', () => {
  test('any fields written by csv-stringify read back the same, with the line each record starts on', async () => {
    const cell = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('a,b', 'say "hi"', 'two\nlines', 'x\r\ny', ';'))
    const rows = fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 12 })
    await fc.assert(
      fc.asyncProperty(
        rows,
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n', '\r\n'),
        async (table, delimiter, eol) => {
          // A record of one empty field is a blank line, which readers skip.
          const written = table.filter((row) => !(row.length === 1 && row[0]?.trim() === ''))
          const text = stringify(written, {
            delimiter,
            record_delimiter: eol === '\n' ? 'unix' : 'windows',
            quoted_match: /[\r\n]/,
          })
          const records = await read(text, delimiter)
          expect(records.map((record) => record.fields)).toEqual(written)
          expect(records.every((record) => record.error === undefined)).toBe(true)
          let line = 1
          records.forEach((record, index) => {
            expect(record.line).toBe(line)
            line += 1 + (written[index]?.join('').match(/\r\n|\r|\n/g)?.length ?? 0)
          })
        },
      ),
      { seed: 16, numRuns: 300 },
    )
  })

  test('a stray quote spoils only its own line; CR, LF and CRLF line ends; blank lines skipped', async () => {
    const records = await read('a,b\r\n1,"x"y,3\n\n4,5\r6,"ok ""quoted"""\n')
    expect(records.map((record) => [record.line, record.fields, record.error !== undefined])).toEqual([
      [1, ['a', 'b'], false],
      [2, ['1', '"x"y', '3'], true],
      [4, ['4', '5'], false],
      [5, ['6', 'ok "quoted"'], false],
    ])
  })
})
