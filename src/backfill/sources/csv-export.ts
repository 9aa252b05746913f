import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename, resolve } from 'node:path'

import { type CsvError, parse } from 'csv-parse'

import type { CallRecord } from '../../domain/call-record.js'
import { UserError } from '../../errors.js'
import { type ColumnMap, mapColumns, missingRequiredColumns, rowToCall } from './csv-mapper.js'
import type { CallSource, SourceWindow, WindowOptions } from './types.js'

export interface CsvExportSourceOptions {
  file: string
  /** Only calls with since < started_at <= until are imported, when given (UNIX seconds). */
  since?: number
  until?: number
  /** Rows per checkpointed window (default 500). */
  chunkRows?: number
}

interface Row {
  record: string[]
  /** 1-based line where the row starts (the header is line 1). */
  line: number
}

/**
 * Aircall's CSV call export, read as a stream so a year of history never sits in memory. Windows are
 * chunks of rows; the ledger, keyed by each row's call id, is what a resumed or repeated import skips.
 * A row that cannot be read is reported with its line number and skipped, never guessed.
 */
export class CsvExportSource implements CallSource {
  readonly checkpointName: string
  private readonly path: string

  constructor(private readonly options: CsvExportSourceOptions) {
    this.path = resolve(options.file)
    const digest = createHash('sha256')
      .update(`${this.path}\u0000${options.since ?? ''}\u0000${options.until ?? ''}`)
      .digest('hex')
      .slice(0, 12)
    this.checkpointName = `backfill:csv:${basename(this.path)}:${digest}`
  }

  /**
   * No position is kept: a row's call id is its key in the ledger, so a re-exported file (new calls on top, rows
   * shifted) imports exactly the rows not logged yet, and settled rows cost a ledger read each, no request.
   */
  advance(): null {
    return null
  }

  async *windows({ onWarning }: WindowOptions): AsyncIterable<SourceWindow> {
    const chunkRows = this.options.chunkRows ?? 500
    const rows = new RowReader(readRows(this.path, onWarning))
    const header = await rows.next()
    if (!header) return
    const mapped = mapColumns(header.record)
    const missing = missingRequiredColumns(mapped.columns)
    if (missing.length > 0) {
      throw new UserError(
        `${this.options.file} does not look like an Aircall call export: no column for ${missing.join(', ')}`,
        `the first line must be the header row; found: ${header.record.join(', ')}`,
      )
    }
    if (mapped.unknown.length > 0) {
      onWarning({
        code: 'unknown-columns',
        message: `ignored columns of ${basename(this.path)}: ${mapped.unknown.join(', ')}`,
      })
    }
    const columns = mapped.columns
    const width = header.record.length
    const { since, until } = this.options

    let consumed = 0
    while (await rows.hasMore()) {
      const position: Record<string, unknown> = { rows: consumed }
      const start = consumed + 1
      const calls = async function* (): AsyncIterable<CallRecord> {
        for (let n = 0; n < chunkRows; n++) {
          const row = await rows.next()
          if (!row) return
          consumed++
          position.rows = consumed
          const result = checkRow(row, width, columns)
          if (!result.ok) {
            onWarning({ code: 'bad-row', line: row.line, message: `line ${row.line}: ${result.reason}; row skipped` })
            continue
          }
          const startedAt = result.call.startedAt
          if ((since !== undefined && startedAt <= since) || (until !== undefined && startedAt > until)) continue
          yield result.call
        }
      }
      // `position` is updated as rows are read; the engine stores it once the window's calls are drained.
      yield { label: `rows ${start}–${start + chunkRows - 1}`, expected: null, position, calls: calls() }
    }
  }
}

function checkRow(row: Row, width: number, columns: ColumnMap): ReturnType<typeof rowToCall> {
  if (row.record.length !== width) {
    return { ok: false, reason: `${row.record.length} fields where the header has ${width}` }
  }
  return rowToCall(row.record, columns)
}

/** One-row lookahead over the parser, so a window knows whether another follows. */
class RowReader {
  private buffered: Row | undefined
  private done = false

  constructor(private readonly source: AsyncGenerator<Row>) {}

  async next(): Promise<Row | undefined> {
    if (this.buffered) {
      const row = this.buffered
      this.buffered = undefined
      return row
    }
    if (this.done) return undefined
    const item = await this.source.next()
    if (item.done) {
      this.done = true
      return undefined
    }
    return item.value
  }

  async hasMore(): Promise<boolean> {
    this.buffered ??= await this.next()
    return this.buffered !== undefined
  }
}

async function* readRows(path: string, onWarning: WindowOptions['onWarning']): AsyncGenerator<Row> {
  const input = createReadStream(path)
  const parser = parse({ info: true, relax_column_count: true, skip_records_with_error: true, bom: true })
  // `pipe` does not forward the file's errors: unhandled, a missing file would crash the process with a stack.
  input.once('error', (error) => parser.destroy(fileError(path, error)))
  input.pipe(parser)
  parser.on('skip', (error: CsvError) => {
    const line = typeof error.lines === 'number' ? error.lines : 0
    onWarning({ code: 'bad-row', line, message: `line ${line}: ${error.message}; row skipped` })
  })
  let lastLine = 0
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = lastLine + 1
    lastLine = item.info.lines
    if (item.record.length === 1 && item.record[0]?.trim() === '') continue
    yield { record: item.record, line }
  }
}

/** The file could not be read at all: the command did not start, so exit 2 with the path named. */
function fileError(path: string, error: NodeJS.ErrnoException): UserError {
  const missing = error.code === 'ENOENT'
  const reason = missing ? 'no such file' : error.code === 'EISDIR' ? 'it is a directory' : error.message
  return new UserError(
    `cannot read the CSV export ${path}: ${reason}`,
    missing ? 'check the path given to --csv (relative paths start from the current directory)' : undefined,
    2,
    missing ? 'file_not_found' : 'file_unreadable',
  )
}
