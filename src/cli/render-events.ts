import Table from 'cli-table3'
import type { EventDetail, EventListResult, PurgeResult, ReplayResult, TailedEvent } from '../app/events.js'
import type { TriggerResult } from '../app/trigger.js'

const clip = (text: string | null, width: number): string =>
  text === null ? '' : text.length <= width ? text : `${text.slice(0, width - 1)}…`

export const renderEventList = (result: EventListResult): string => {
  const { counts } = result
  const totals = `queued ${counts.queued}, processing ${counts.processing}, done ${counts.done}, dead ${counts.dead}`
  if (result.events.length === 0) return `No events match (${totals}).`
  const table = new Table({
    head: ['id', 'kind', 'type', 'subject', 'status', 'tries', 'received', 'outcome / last error'],
    style: { head: [], border: [] },
  })
  for (const event of result.events) {
    table.push([
      event.id,
      event.kind,
      event.type,
      event.subject ?? '',
      event.status,
      event.attempts,
      event.receivedAt.replace('T', ' ').slice(0, 19),
      clip(event.status === 'done' ? event.summary : event.lastError, 60),
    ])
  }
  return `${table.toString()}\n${totals}`
}

export const renderEventDetail = (event: EventDetail): string =>
  [
    `Event #${event.id} (${event.source} ${event.type})`,
    `  kind:        ${event.kind} (replayed with the ${event.origin} origin${event.origin === 'history' ? ': no customer message, assignment or resolve' : ''})`,
    `  status:      ${event.status} after ${event.attempts} attempt(s)`,
    `  identity:    ${event.identity}`,
    `  subject:     ${event.subject ?? '-'}`,
    `  received:    ${event.receivedAt}`,
    `  updated:     ${event.updatedAt}`,
    ...(event.nextAttemptAt ? [`  next try:    ${event.nextAttemptAt}`] : []),
    ...(event.lastError ? [`  last error:  ${event.lastError}`] : []),
    ...trailLines(event),
    'Payload:',
    JSON.stringify(event.payload, null, 2),
  ].join('\n')

const trailLines = (event: EventDetail): string[] => {
  const { outcome } = event
  if (!outcome) return event.status === 'done' ? ['Trail:       not kept (processed before outcomes were stored)'] : []
  const took = outcome.durationMs === null ? '' : ` in ${outcome.durationMs} ms`
  const lines = [`Trail${took}:`]
  if (outcome.effects.length === 0) lines.push('  no rule applies')
  for (const effect of outcome.effects) {
    lines.push(`  ${effect.rule.padEnd(13)}${effect.status}${effect.detail ? `: ${effect.detail}` : ''}`)
  }
  if (outcome.objects.length > 0) {
    lines.push('Objects:')
    for (const object of outcome.objects) {
      lines.push(`  ${`${object.service} ${object.kind}`.padEnd(22)}${object.id.padEnd(12)} ${object.url}`)
    }
  }
  return lines
}

/** One line per settled event for `events tail`. */
export const renderTailed = (event: TailedEvent): string => {
  const at = event.at.replace('T', ' ').slice(0, 19)
  const what = event.status === 'dead' ? `dead: ${event.error ?? 'unknown error'}` : (event.summary ?? 'done')
  return `${at} #${event.id} ${event.type}${event.subject ? ` ${event.subject}` : ''}: ${what}`
}

export const renderReplay = (result: ReplayResult): string => {
  const lines = [
    result.requeued.length > 0
      ? `Requeued ${result.requeued.length} event(s): ${result.requeued.map((id) => `#${id}`).join(', ')}.`
      : 'Nothing was requeued.',
  ]
  for (const skip of result.skipped) lines.push(`  #${skip.id} not replayed: ${skip.reason}`)
  if (result.processed) {
    lines.push(`Processed: ${result.processed.done.length} done, ${result.processed.dead.length} dead again.`)
    for (const dead of result.processed.dead) lines.push(`  #${dead.id}: ${dead.error ?? 'unknown error'}`)
  } else if (result.listenerRunning && result.requeued.length > 0) {
    lines.push('A listener is running on this store: it processes them now (follow it with `events list`).')
  } else if (result.requeued.length > 0) {
    lines.push('A running `listen` processes them; or run `events replay --process` to process them now.')
  }
  return lines.join('\n')
}

export const renderPurge = (result: PurgeResult): string =>
  `Purged ${result.purged} ${result.statuses.join('/')} event(s)${result.olderThan ? ` older than ${result.olderThan}` : ''}.`

export const renderTrigger = (result: TriggerResult): string =>
  `${result.event} → ${result.url}: ${result.status}${result.ok ? '' : ` ${JSON.stringify(result.response)}`}`
