import Table from 'cli-table3'
import type { RunningProcess } from '../app/lock-holders.js'
import type { StatusResult } from '../app/status-service.js'

export const renderStatus = (status: StatusResult): string => {
  if (!status.exists || !status.counts) return `No state store yet at ${status.statePath}: nothing has been synced.`
  const { counts } = status
  const table = new Table({ head: ['what', 'count'], style: { head: [], border: [] } })
  table.push(
    ['steps done', counts.ledger.done],
    ['steps pending', counts.ledger.pending],
    ['steps failed', counts.ledger.failed],
    ['events queued', counts.events.queued],
    ['events processing', counts.events.processing],
    ['events done', counts.events.done],
    ['dead letters', counts.events.dead],
    ['stale webhooks (logged as history)', status.staleEvents],
    ['contacts indexed', counts.contacts],
    ['checkpoints', counts.checkpoints],
    ['loop-guard fingerprints', counts.fingerprints],
  )
  const lines = [`State store: ${status.statePath}`, table.toString()]
  if (status.lastSync) lines.push(`Last sync: ${status.lastSync}`)
  const listeners = status.running.filter((process) => process.command === 'listen')
  const syncs = status.running.filter((process) => process.command === 'sync')
  const who = (process: RunningProcess): string => `pid ${process.pid ?? '?'} on ${process.host ?? 'an unknown host'}`
  lines.push(
    listeners.length === 0
      ? 'Listeners: none running'
      : `Listeners: ${listeners.length} running (${listeners.map(who).join(', ')})`,
  )
  const replays = status.running.filter((process) => process.command === 'events replay')
  if (replays.length > 0) lines.push(`events replay --process: running (${replays.map(who).join(', ')})`)
  if (syncs.length > 0) lines.push(`Sync: running (${syncs.map(who).join(', ')})`)
  return lines.join('\n')
}
