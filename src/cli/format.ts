import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

import { Flags } from '@oclif/core'
import Table from 'cli-table3'
import { stringify } from 'csv-stringify/sync'

import { UserError } from '../errors.js'

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export type Cell = string | number | boolean | null | undefined

/** Flags shared by report commands: how to print rows, and optionally into which file. */
export const reportFlags = {
  format: Flags.option({
    options: OUTPUT_FORMATS,
    default: 'table' as const,
    description: 'How to print the rows: a table for people, CSV for spreadsheets, JSON for scripts.',
  })(),
  output: Flags.string({
    description: 'Write the rows to this file instead of stdout (a summary still goes to stdout).',
    helpValue: 'FILE',
  }),
  force: Flags.boolean({ description: 'Overwrite the --output file if it exists.', default: false }),
}

const text = (cell: Cell): string => (cell === null || cell === undefined ? '' : String(cell))

export function renderTable(head: string[], rows: Cell[][]): string {
  const table = new Table({ head, style: { head: [], border: [] }, wordWrap: true })
  for (const row of rows) table.push(row.map(text))
  return table.toString()
}

export function renderCsv(columns: string[], rows: Cell[][]): string {
  return stringify(
    rows.map((row) => row.map(text)),
    { header: true, columns },
  )
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** Rows in the chosen format; JSON gets the records themselves rather than the flattened cells. */
export function renderRows<T>(
  format: OutputFormat,
  columns: string[],
  records: T[],
  toRow: (record: T) => Cell[],
): string {
  switch (format) {
    case 'table':
      return renderTable(columns, records.map(toRow))
    case 'csv':
      return renderCsv(columns, records.map(toRow))
    case 'json':
      return renderJson(records)
  }
}

/** Checked before the work starts, so a long report is not computed only to be refused at the end. */
export function ensureWritable(path: string, force: boolean): string {
  const target = resolve(path)
  if (existsSync(target) && !force) {
    throw new UserError(`${path} already exists`, 'pass --force to overwrite it, or choose another --output file')
  }
  return target
}

/** Writes a report file, refusing to replace an existing one unless `force`. Returns the absolute path. */
export function writeOutputFile(path: string, content: string, force: boolean): string {
  const target = ensureWritable(path, force)
  writeFileSync(target, content.endsWith('\n') ? content : `${content}\n`)
  return target
}

export const formatDuration = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
