import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { UserError } from '../errors.js'

/** `--report FILE.html`, the same on every command that writes a run report. */
export const runReportFlag = {
  report: Flags.string({
    description: 'Also write the run as one self-contained HTML file (opens offline; replaces the file).',
    helpValue: 'FILE',
  }),
}

/**
 * Refuses a report path that cannot be written before the run starts: an hour-long backfill must not end on
 * "cannot write the report". The nearest existing folder must be writable (missing folders are created).
 */
export function checkReportFile(path: string): void {
  const target = resolve(path)
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new UserError(`--report ${path} is a folder`, 'give a file name, for example --report run.html')
  }
  let folder = dirname(target)
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder)
  try {
    accessSync(existsSync(target) ? target : folder, constants.W_OK)
  } catch {
    throw new UserError(`cannot write the report ${path}: ${folder} is not writable`, 'choose another --report file')
  }
}
