import { closeSync, existsSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'

import { stringify } from 'csv-stringify/sync'

import { UserError } from '../errors.js'
import { printable } from './printable.js'

/** Leading columns of a rejects file; the export's own columns follow, so a fixed file imports as it is. */
export const REJECT_COLUMNS = ['Rejected at line', 'Rejection reason'] as const

/** Where rejected rows go unless `--rejects` says otherwise: next to the export. */
export const defaultRejectsPath = (file: string): string => `${file}.rejects.csv`

/**
 * The rows of an export that could not be imported, each with its line and the reason, in the export's own
 * delimiter and columns (UTF-8). Created at the first rejected row, so a clean import leaves no file; a clean
 * import also removes the rejects file an earlier run left, so the file existing always means the last run
 * rejected rows.
 */
export class RejectsFile {
  private fd: number | null = null
  rows = 0

  constructor(
    readonly path: string,
    private readonly header: readonly string[],
    private readonly delimiter: string,
  ) {}

  add(line: number, reason: string, fields: readonly string[]): void {
    if (this.fd === null) {
      this.fd = this.open()
      this.write([...REJECT_COLUMNS, ...this.header])
    }
    this.write([String(line), reason, ...fields])
    this.rows++
  }

  /** Closes the file, or removes the earlier run's rejects when this one had none. */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd)
      this.fd = null
      return
    }
    if (this.rows === 0 && isRejectsFile(this.path)) unlinkSync(this.path)
  }

  private write(row: string[]): void {
    if (this.fd === null) return
    writeSync(this.fd, stringify([row], { delimiter: this.delimiter, record_delimiter: '\n', quoted_match: /[\r\n]/ }))
  }

  private open(): number {
    try {
      return openSync(this.path, 'w', 0o600)
    } catch (error) {
      throw new UserError(
        `cannot write the rejected rows to ${printable(this.path, 300)}: ${printable((error as Error).message, 200)}`,
        'give a writable path with --rejects FILE',
        1,
        'rejects_unwritable',
      )
    }
  }
}

/** Only a file that starts with our header is ever removed. */
function isRejectsFile(path: string): boolean {
  if (!existsSync(path)) return false
  let fd: number | null = null
  try {
    fd = openSync(path, 'r')
    const buffer = Buffer.alloc(64)
    const read = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, read).toString('utf8').startsWith(REJECT_COLUMNS[0])
  } catch {
    return false
  } finally {
    if (fd !== null) closeSync(fd)
  }
}
