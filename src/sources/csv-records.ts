import { printable } from './printable.js'

export interface CsvRecord {
  fields: string[]
  /** 1-based line where the record starts. */
  line: number
  /** Why the record cannot be read as fields (a stray or unclosed quote); `fields` are then a best effort. */
  error?: string
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: an escaped quote (`""`) or the closing one. */
  QuoteInQuoted,
  /** After a malformed quote: the rest of the physical line belongs to the bad record. */
  Skipping,
}

/**
 * RFC 4180 records from decoded text, with the recovery a person would expect of a damaged export: a record with a
 * stray quote is reported with its line and the reader carries on at the next line, so no good row after it is
 * lost or misnumbered; a quote never closed makes the rest of the file one bad record, reported where it opened.
 * A quote inside an unquoted field is kept as text (as Excel writes it). Blank lines are skipped.
 */
export async function* csvRecords(chunks: AsyncIterable<string>, delimiter: string): AsyncGenerator<CsvRecord> {
  let state = State.FieldStart
  let fields: string[] = []
  let field = ''
  let line = 1
  let previousCr = false
  let begun = false
  let recordLine = 1
  let quoteLine = 1
  let error: string | undefined
  /** The text of the current record (kept as slices), for the best-effort fields of a bad one. */
  let raw = ''
  let endsWithNewline = false

  const endRecord = (): CsvRecord | null => {
    fields.push(field)
    const record: CsvRecord =
      error === undefined ? { fields, line: recordLine } : { fields: raw.split(delimiter), line: recordLine, error }
    const blank = error === undefined && fields.length === 1 && fields[0]?.trim() === ''
    fields = []
    field = ''
    raw = ''
    error = undefined
    begun = false
    state = State.FieldStart
    return blank ? null : record
  }

  for await (const chunk of chunks) {
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const char = chunk[i] as string
      if (!begun) {
        begun = true
        recordLine = line
        start = i
      }
      // \r\n, \n and a lone \r each end one line.
      const newline = char === '\r' || char === '\n'
      if (char === '\r' || (char === '\n' && !previousCr)) line++
      previousCr = char === '\r'
      endsWithNewline = newline
      if (newline && state !== State.Quoted) {
        if (state === State.QuoteInQuoted) state = State.FieldStart
        raw += chunk.slice(start, i)
        const record = endRecord()
        if (record) yield record
        continue
      }
      switch (state) {
        case State.FieldStart:
          if (char === '"') {
            state = State.Quoted
            quoteLine = line
          } else if (char === delimiter) fields.push('')
          else {
            field = char
            state = State.Unquoted
          }
          break
        case State.Unquoted:
          if (char === delimiter) {
            fields.push(field)
            field = ''
            state = State.FieldStart
          } else field += char
          break
        case State.Quoted:
          if (char === '"') state = State.QuoteInQuoted
          else field += char
          break
        case State.QuoteInQuoted:
          if (char === '"') {
            field += '"'
            state = State.Quoted
          } else if (char === delimiter) {
            fields.push(field)
            field = ''
            state = State.FieldStart
          } else {
            error = `a closing quote is followed by "${printable(char)}" (a quote inside a quoted field must be doubled)`
            state = State.Skipping
          }
          break
        case State.Skipping:
          break
      }
    }
    if (begun) raw += chunk.slice(start)
  }
  if (state === State.Quoted) {
    error = `a quote opened on line ${quoteLine} is never closed: lines ${quoteLine}–${endsWithNewline ? line - 1 : line} read as one field`
  }
  if (begun) {
    const record = endRecord()
    if (record) yield record
  }
}
