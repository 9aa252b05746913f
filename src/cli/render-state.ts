import Table from 'cli-table3'
import type { StateMigrateResult } from '../app/state-service.js'

const BACKEND = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const

/** What `state migrate` copied, where from and to, and what to do next. */
export const renderStateMigrate = (result: StateMigrateResult): string => {
  const table = new Table({ head: ['table', 'rows copied'], style: { head: [], border: [] } })
  for (const { table: name, rows } of result.tables) table.push([name, rows])
  const lines = [
    `Copied the state from ${BACKEND[result.from.backend]} ${result.from.location}`,
    `                  to ${BACKEND[result.to.backend]} ${result.to.location}`,
    table.toString(),
    `${result.total} row${result.total === 1 ? '' : 's'} in one transaction, verified: every table holds as many rows as the source.`,
    result.events.maxId === null
      ? `No events: the next event gets id ${result.events.nextId}.`
      : `Events up to id ${result.events.maxId}; the next event gets id ${result.events.nextId}.`,
  ]
  if (result.replaced) {
    const held = Object.entries(result.replaced).map(([name, rows]) => `${name} ${rows}`)
    lines.push(`Replaced (--force) what the target held: ${held.join(', ')}.`)
  }
  if (result.locksLeft > 0)
    lines.push(`Not copied: ${result.locksLeft} lock(s) of the old store, which no live process holds.`)
  const where =
    result.to.backend === 'postgres'
      ? 'store.url in the configuration (or --state / AIRCALL_INTERCOM_STATE)'
      : 'store.path in the configuration (or --state / AIRCALL_INTERCOM_STATE)'
  lines.push(
    `Next: point ${where} at the new store, then start listen and sync again. The old store was left as it was.`,
  )
  return lines.join('\n')
}
