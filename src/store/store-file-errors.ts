import { accessSync, constants, statSync, type Stats } from 'node:fs'
import { type CodedError, EXIT } from '../errors.js'

export class StoreError extends Error implements CodedError {
  readonly errorCode = 'store_error'
  readonly exitCode = EXIT.failure

  constructor(
    message: string,
    readonly path: string,
    readonly hint = 'check that the directory is writable, or move the store with --state',
  ) {
    super(message)
    this.name = 'StoreError'
  }
}

/**
 * What is wrong with a state file, found from the file system and SQLite's error codes, never from message text.
 * Each has its own message because each has its own remedy: a user told "check the directory" about a file
 * that is simply not a database looks in the wrong place.
 */
export type StoreFileProblem =
  | { kind: 'read-only'; mode: number }
  | { kind: 'read-only-file-system' }
  | { kind: 'permission-denied'; ownerUid: number | null; mode: number | null; ownedByUs: boolean }
  | { kind: 'not-a-database' }
  | { kind: 'damaged'; problems: readonly string[] }

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0')

const DAMAGED_HINT =
  'restore it from a backup, or move it aside to start over (the ledger is lost: a backfill would then re-check Intercom)'

export const storeFileError = (path: string, problem: StoreFileProblem): StoreError => {
  switch (problem.kind) {
    case 'read-only':
      return new StoreError(
        `state file ${path} is read-only (mode ${octal(problem.mode)}) and this command writes to it`,
        path,
        `make it writable (chmod u+w ${path}) or use --state to choose another file`,
      )
    case 'read-only-file-system':
      return new StoreError(
        `state file ${path} is on a read-only file system and this command writes to it`,
        path,
        'use --state to choose a file on a writable file system',
      )
    case 'permission-denied': {
      // Only the owner can chmod the file; anyone else needs the owner's account or a file of their own.
      if (problem.ownedByUs && problem.mode !== null) {
        return new StoreError(
          `cannot open state file ${path}: permission denied (mode ${octal(problem.mode)})`,
          path,
          `make it readable and writable (chmod u+rw ${path}) or choose another --state`,
        )
      }
      const owner = problem.ownerUid === null ? '' : ` (owned by uid ${problem.ownerUid})`
      return new StoreError(
        `cannot open state file ${path}: permission denied${owner}`,
        path,
        problem.ownerUid === null
          ? 'check the permissions of the file and the directories above it, or choose another --state'
          : 'run as that user or choose another --state',
      )
    }
    case 'not-a-database':
      return new StoreError(
        `${path} is not an aircall-intercom state file (not an SQLite database)`,
        path,
        'move it away or point --state at the right file',
      )
    case 'damaged':
      return new StoreError(`${path} is damaged (${problem.problems[0] ?? 'unknown damage'})`, path, DAMAGED_HINT)
  }
}

const codeOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : ''

const statOrNull = (path: string): Stats | null => {
  try {
    return statSync(path)
  } catch {
    return null
  }
}

/** The access error (EACCES, EROFS…) for `mode` on `path`, or null when the access is allowed. */
const accessError = (path: string, mode: number): string | null => {
  try {
    accessSync(path, mode)
    return null
  } catch (error) {
    return codeOf(error) || 'EUNKNOWN'
  }
}

const permissionDenied = (stats: Stats | null): StoreFileProblem => ({
  kind: 'permission-denied',
  ownerUid: stats?.uid ?? null,
  mode: stats ? stats.mode & 0o777 : null,
  ownedByUs: stats !== null && stats.uid === process.getuid?.(),
})

/**
 * Why a command that writes cannot use the existing file at `path`, or null when it can. Asked before SQLite
 * opens it: SQLite would quietly open a file it cannot write read-only and fail on the first write instead.
 * A file with no write bit at all is read-only even to root, who could write it: someone made it so on purpose.
 */
export const writeAccessProblem = (path: string): StoreFileProblem | null => {
  const stats = statOrNull(path)
  const denied = accessError(path, constants.R_OK | constants.W_OK)
  if (denied === 'EROFS') return { kind: 'read-only-file-system' }
  if (stats && (stats.mode & 0o222) === 0 && accessError(path, constants.R_OK) === null) {
    return { kind: 'read-only', mode: stats.mode }
  }
  if (denied === null) return null
  if (denied !== 'EACCES' && denied !== 'EPERM') return null
  const problem = permissionDenied(stats)
  // The owner who can read but not write has a read-only file: chmod u+w is the whole fix.
  if (problem.kind === 'permission-denied' && problem.ownedByUs && accessError(path, constants.R_OK) === null) {
    return { kind: 'read-only', mode: stats?.mode ?? 0 }
  }
  return problem
}

/**
 * What a failure to open (or first read) the store at `path` means, or null when it is none of the file
 * problems above (a newer schema, a full disk…), which the caller reports as it stands.
 */
export const openFailureProblem = (path: string, error: unknown): StoreFileProblem | null => {
  const code = codeOf(error)
  if (code === 'SQLITE_NOTADB') return { kind: 'not-a-database' }
  if (code.startsWith('SQLITE_CORRUPT')) return { kind: 'damaged', problems: [(error as Error).message] }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM') {
    const denied = accessError(path, constants.R_OK)
    if (denied === 'EACCES' || denied === 'EPERM') return permissionDenied(statOrNull(path))
    if (code.startsWith('SQLITE_READONLY')) return writeAccessProblem(path)
  }
  return null
}
