import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename, resolve } from 'node:path'

import type { CallRecord } from '../domain/call-record.js'
import { UserError } from '../errors.js'
import { type ColumnMap, mapColumns, missingRequiredColumns, rowToCall } from './csv-mapper.js'
import {
  type CsvDecoder,
  type CsvEncoding,
  type CsvInspection,
  delimiterName,
  fileError,
  inspectCsv,
} from './csv-inspect.js'
import { type CsvRecord, csvRecords } from './csv-records.js'
import { RejectsFile } from './csv-rejects.js'
import { printable } from './printable.js'
import type { SourceProgress } from './source-progress.js'
import type { CallSource, SourceWindow, WindowOptions } from './types.js'

export interface CsvExportSourceOptions {
  file: string
  /** Only calls with since < started_at <= until are imported, when given (UNIX seconds). */
  since?: number | undefined
  until?: number | undefined
  /** Rows per checkpointed window (default 500). */
  chunkRows?: number
  /** The field delimiter (`--delimiter`); detected from the header line when absent. */
  delimiter?: string | undefined
  /** The file's encoding (`--encoding`); UTF-8 when absent, and a file that is not valid UTF-8 is refused. */
  encoding?: CsvEncoding | undefined
  /** Where rows that cannot be imported are written, with their line and reason; none when absent (a dry run). */
  rejects?: string | null | undefined
  onProgress?: ((event: SourceProgress) => void) | undefined
}

/** What the import read, for the summary. */
export interface CsvSummary {
  /** Data rows read (the header and blank lines not counted). */
  rows: number
  /** Rows that could not be imported (each reported with its line, and in the rejects file when there is one). */
  rejected: number
  /** Readable rows outside `--since`/`--until`. */
  outOfRange: number
  /** The rejects file written by this run, or null when no row was rejected or none is written. */
  rejectsFile: string | null
  delimiter: string | null
  encoding: CsvDecoder | null
}

/**
 * Aircall's CSV call export, read as a stream so a year of history never sits in memory. Windows are
 * chunks of rows; the ledger, keyed by each row's call id, is what a resumed or repeated import skips.
 * The whole file is checked before the first row is imported (see `inspectCsv`); a row that cannot be read
 * is reported with its line number, written to the rejects file and skipped, never guessed.
 */
export class CsvExportSource implements CallSource {
  readonly checkpointName: string
  private readonly path: string
  private readonly stats: CsvSummary = {
    rows: 0,
    rejected: 0,
    outOfRange: 0,
    rejectsFile: null,
    delimiter: null,
    encoding: null,
  }

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

  summary(): CsvSummary {
    return { ...this.stats }
  }

  async *windows({ onWarning }: WindowOptions): AsyncIterable<SourceWindow> {
    const rejectsPath = this.options.rejects ? resolve(this.options.rejects) : null
    if (rejectsPath === this.path) {
      throw new UserError(
        `--rejects ${printable(rejectsPath, 300)} is the export itself`,
        'give the rejected rows another file, e.g. --rejects rejected.csv',
      )
    }
    const inspection = await inspectCsv(this.path, {
      encoding: this.options.encoding,
      delimiter: this.options.delimiter,
    })
    this.stats.delimiter = inspection.delimiter
    this.stats.encoding = inspection.decoder
    const chunkRows = this.options.chunkRows ?? 500
    const rows = new RecordReader(
      csvRecords(readText(this.path, inspection, this.options.onProgress), inspection.delimiter),
    )
    const header = await rows.next()
    if (!header) throw new UserError(`${printable(this.path, 300)} is empty`, undefined, 2, 'file_empty')
    const columns = this.readHeader(header, inspection, onWarning)
    const width = header.fields.length
    const { since, until } = this.options
    const rejects = rejectsPath ? new RejectsFile(rejectsPath, header.fields, inspection.delimiter) : null
    const stats = this.stats

    try {
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
            stats.rows++
            const result = checkRow(row, width, columns)
            if (!result.ok) {
              stats.rejected++
              rejects?.add(row.line, result.reason, row.fields)
              onWarning({ code: 'bad-row', line: row.line, message: `line ${row.line}: ${result.reason}; row skipped` })
              continue
            }
            const startedAt = result.call.startedAt
            if ((since !== undefined && startedAt <= since) || (until !== undefined && startedAt > until)) {
              stats.outOfRange++
              continue
            }
            yield result.call
          }
        }
        // `position` is updated as rows are read; the engine stores it once the window's calls are drained.
        yield { label: `rows ${start}–${start + chunkRows - 1}`, expected: null, position, calls: calls() }
      }
    } finally {
      rejects?.close()
      stats.rejectsFile = rejects && rejects.rows > 0 ? rejects.path : null
    }
  }

  private readHeader(header: CsvRecord, inspection: CsvInspection, onWarning: WindowOptions['onWarning']): ColumnMap {
    const shown = printable(this.path, 300)
    const how = `${inspection.delimiterDetected ? 'detected' : 'given'} delimiter: ${delimiterName(inspection.delimiter)}`
    if (header.error !== undefined) {
      throw new UserError(`the header row of ${shown} cannot be read: ${header.error}`, `(${how})`)
    }
    const mapped = mapColumns(header.fields)
    const missing = missingRequiredColumns(mapped.columns)
    if (missing.length > 0) {
      const found = header.fields.map((field) => printable(field, 40)).join(', ')
      throw new UserError(
        `${shown} does not look like an Aircall call export: no column for ${missing.join(', ')}`,
        `the first line must be the header row; found ${header.fields.length} column(s) with the ${how}: ${printable(found, 300)}. ` +
          'If the file uses another delimiter, pass it with --delimiter (e.g. --delimiter ";" or --delimiter tab)',
      )
    }
    if (mapped.unknown.length > 0) {
      onWarning({
        code: 'unknown-columns',
        message: `ignored columns of ${printable(basename(this.path))}: ${printable(mapped.unknown.map((column) => printable(column, 40)).join(', '), 300)}`,
      })
    }
    return mapped.columns
  }
}

function checkRow(row: CsvRecord, width: number, columns: ColumnMap): ReturnType<typeof rowToCall> {
  if (row.error !== undefined) return { ok: false, reason: row.error }
  if (row.fields.length !== width) {
    return { ok: false, reason: `${row.fields.length} fields where the header has ${width}` }
  }
  return rowToCall(row.fields, columns)
}

/** One-row lookahead over the reader, so a window knows whether another follows. */
class RecordReader {
  private buffered: CsvRecord | undefined
  private done = false

  constructor(private readonly source: AsyncGenerator<CsvRecord>) {}

  async next(): Promise<CsvRecord | undefined> {
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

/** The file's text, decoded as the inspection found; reports the bytes read as they are read. */
async function* readText(
  path: string,
  inspection: CsvInspection,
  onProgress: ((event: SourceProgress) => void) | undefined,
): AsyncGenerator<string> {
  const decoder = new TextDecoder(inspection.decoder)
  let read = 0
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      read += chunk.length
      onProgress?.({ type: 'bytes', read, total: Math.max(read, inspection.size) })
      yield decoder.decode(chunk, { stream: true })
    }
  } catch (error) {
    throw fileError(path, error as NodeJS.ErrnoException)
  }
  const rest = decoder.decode()
  if (rest !== '') yield rest
}
