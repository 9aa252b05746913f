import Table from 'cli-table3'
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
  return lines.join('\n')
}
