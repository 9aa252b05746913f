import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

/**
 * Owners of ledger claims and locks: `host/pid/nonce`. The nonce tells two stores opened by one process apart and
 * a reused pid from the process that held it before.
 */
export const newStepOwner = (): string => `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`

/**
 * True only when the owner certainly died: it ran on this host and its pid is gone. A claim of another host is
 * waited out to the end of its lease, since from here nothing tells a slow owner from a dead one.
 */
export const isOwnerGone = (owner: string): boolean => {
  const [host, pidText] = owner.split('/')
  if (host !== hostname() || pidText === undefined || !/^\d+$/.test(pidText)) return false
  const pid = Number(pidText)
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
