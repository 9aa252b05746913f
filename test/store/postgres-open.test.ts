import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { describe, expect, test } from 'vitest'
import type { AsyncStateStore } from '../../src/store/async-store.js'
import {
  LATEST_PG_SCHEMA,
  openPostgresStore,
  parsePostgresUrl,
  PostgresStoreError,
  redactUrl,
} from '../../src/store/postgres/index.js'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { withClient } from '../helpers/postgres-server.js'
import { REFUSED_URL } from '../helpers/refused-url.js'

/** A password no server knows, distinctive enough that finding it in any text means it leaked. */
const WRONG = `wrong-Pa55-${randomBytes(4).toString('hex')}`

const withPassword = (url: string, password: string): string => {
  const parsed = new URL(url)
  parsed.password = password
  return parsed.toString()
}

const STORE_MODULE = fileURLToPath(new URL('../../src/store/postgres/index.ts', import.meta.url))

/** Another process (its own pool, its own connections) asks for the `sync` lock; answers what acquire answered. */
const acquireInAnotherProcess = async (url: string, owner: string, now: number): Promise<string> => {
  const script = `
    const { openPostgresStore } = await import(${JSON.stringify(STORE_MODULE)})
    const store = await openPostgresStore(process.env.STATE_URL)
    process.stdout.write(String(await store.locks.acquire('sync', ${JSON.stringify(owner)}, ${now}, 60000)))
    await store.close()`
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    { env: { ...process.env, STATE_URL: url } },
  )
  return stdout
}

/** The error `openPostgresStore` failed with; a store that opened is closed and fails the test. */
const openFailure = async (url: string, options: Parameters<typeof openPostgresStore>[1] = {}) => {
  let store: AsyncStateStore | undefined
  try {
    store = await openPostgresStore(url, options)
  } catch (error) {
    expect(error).toBeInstanceOf(PostgresStoreError)
    return error as PostgresStoreError
  }
  await store.close()
  throw new Error(`${url} opened`)
}

/** Neither the message, nor the hint, nor the path, nor anything --json would show, holds the secret. */
const expectNoSecret = (error: PostgresStoreError, secret: string): void => {
  const shown = JSON.stringify({ message: error.message, hint: error.hint, path: error.path, stack: error.stack })
  expect(shown).not.toContain(secret)
  expect(shown).not.toContain(encodeURIComponent(secret))
}

describe('state URLs', () => {
  test('redactUrl removes the password and keeps user, host, port, database and the schema', () => {
    expect(redactUrl('postgres://aircall:s3cret@db.internal:5433/state?schema=team_a')).toBe(
      'postgres://aircall@db.internal:5433/state?schema=team_a',
    )
    expect(redactUrl('postgresql://aircall@db/state')).toBe('postgresql://aircall@db/state')
    expect(redactUrl('postgres://aircall@db/state?password=s3cret&sslmode=require')).toBe(
      'postgres://aircall@db/state?sslmode=require',
    )
    // Too broken to parse: what could be a password goes all the same, an unencoded @ in it included.
    expect(redactUrl('postgres://aircall:s3c@ret@db:port/state')).toBe('postgres://aircall@db:port/state')
  })

  test('the schema comes from the option or the URL, never both disagreeing, and must be a plain identifier', () => {
    const url = 'postgres://aircall:s3cret@db/state'
    expect(parsePostgresUrl(url)).toEqual({
      connectionString: url,
      schema: 'public',
      display: 'postgres://aircall@db/state',
    })
    expect(parsePostgresUrl(`${url}?schema=team_a&sslmode=require`)).toEqual({
      connectionString: `${url}?sslmode=require`,
      schema: 'team_a',
      display: 'postgres://aircall@db/state?sslmode=require&schema=team_a',
    })
    expect(parsePostgresUrl(url, { schema: 'team_b' }).display).toBe('postgres://aircall@db/state?schema=team_b')
    expect(parsePostgresUrl(`${url}?schema=team_b`, { schema: 'team_b' }).schema).toBe('team_b')
    for (const [input, schema] of [
      [`${url}?schema=team_a`, 'team_b'],
      [url, 'Team'],
      [url, 'x; drop table ledger'],
      [url, 'pg_catalog'],
      [url, '1st'],
      [url, 'a'.repeat(64)],
    ] as const) {
      const error = (() => {
        try {
          parsePostgresUrl(input, { schema })
        } catch (thrown) {
          return thrown as PostgresStoreError
        }
        throw new Error(`${schema} was accepted`)
      })()
      expect(error).toMatchObject({ problem: 'malformed-url', exitCode: 2 })
      expectNoSecret(error, 's3cret')
    }
  })
})

describe('opening a PostgreSQL store (a real server)', () => {
  test('a wrong password is refused as such, and the password is shown nowhere', async () => {
    const { passwordUrl } = await freshDatabase('wrong-password')
    const error = await openFailure(withPassword(passwordUrl, WRONG))
    expect(error.problem).toBe('auth-failed')
    expect(error.message).toContain(redactUrl(passwordUrl))
    expect(error.message).toMatch(/password was refused/)
    expectNoSecret(error, WRONG)
    expectNoSecret(error, postgresServer().password)
  })

  test('a missing database is named as missing', async () => {
    const { passwordUrl, name } = await freshDatabase('missing-database')
    const url = passwordUrl.replace(name, `${name}_absent`)
    const error = await openFailure(url)
    expect(error).toMatchObject({ problem: 'missing-database', path: redactUrl(url), exitCode: 1 })
    expect(error.message).toContain(`${name}_absent`)
    expect(error.hint).toMatch(/create/i)
    expectNoSecret(error, postgresServer().password)
  })

  test('a role that does not exist is named as missing', async () => {
    const { url } = await freshDatabase('missing-role')
    const error = await openFailure(url.replace('postgres://postgres@', 'postgres://nobody_here@'))
    expect(error.problem).toBe('missing-role')
    expect(error.message).toContain('nobody_here@')
  })

  test('a refused connection says so, retryable, with the URL redacted', async () => {
    const url = `postgres://aircall:${WRONG}@${new URL(REFUSED_URL).host}/state`
    const error = await openFailure(url)
    expect(error).toMatchObject({ problem: 'refused', failure: 'retry', path: 'postgres://aircall@127.0.0.1:1/state' })
    expect(error.message).toContain('postgres://aircall@127.0.0.1:1/state')
    expect(error.message).toMatch(/refused/)
    expectNoSecret(error, WRONG)
  })

  test('a malformed URL is a usage error that names the URL without its password', async () => {
    for (const url of [
      `postgres://aircall:${WRONG}@127.0.0.1:notaport/state`,
      `postgres://aircall:${WRONG}%zz@127.0.0.1/state`,
      `postgres://aircall:${WRONG}@127.0.0.1/state?schema=Not-An-Identifier`,
      `mysql://aircall:${WRONG}@127.0.0.1/state`,
    ]) {
      const error = await openFailure(url)
      expect(error).toMatchObject({ problem: 'malformed-url', exitCode: 2, errorCode: 'usage' })
      expect(error.message).toContain('aircall@127.0.0.1')
      expectNoSecret(error, WRONG)
    }
  })

  test('a user without the right to create the schema is told which grant is missing', async () => {
    const { name, url: adminUrl } = await freshDatabase('no-create')
    const server = postgresServer()
    const role = `guest_${randomBytes(3).toString('hex')}`
    await withClient(adminUrl, (client) =>
      client.query(`create role ${role} login password 'guest-pw' in role ${server.passwordGroup}`),
    )
    const url = `postgres://${role}:guest-pw@127.0.0.1:${server.port}/${name}`
    const error = await openFailure(url, { schema: 'team_a' })
    expect(error.problem).toBe('permission-denied')
    expect(error.hint).toContain('team_a')
    expectNoSecret(error, 'guest-pw')

    // Given a schema of its own, it needs no right on the database.
    await withClient(adminUrl, (client) => client.query(`create schema team_a authorization ${role}`))
    const store = await openPostgresStore(url, { schema: 'team_a' })
    expect(await store.integrityProblems()).toEqual([])
    await store.close()
  })

  test('a database migrated by a newer build is refused, and left as it was', async () => {
    const { passwordUrl } = await freshDatabase('newer-schema')
    const first = await openPostgresStore(passwordUrl)
    await first.marks.set('kept', 1)
    await first.close()
    const newer = LATEST_PG_SCHEMA + 1
    await withClient(passwordUrl, (client) =>
      client.query(`insert into public.schema_migrations (version, name) values ($1, 'from the future')`, [newer]),
    )
    const error = await openFailure(withPassword(passwordUrl, postgresServer().password))
    expect(error.problem).toBe('newer-schema')
    expect(error.message).toContain(`schema version ${newer}`)
    expect(error.message).toContain(`up to ${LATEST_PG_SCHEMA}`)
    expect(error.message).toContain(redactUrl(passwordUrl))
    expectNoSecret(error, postgresServer().password)
    await withClient(passwordUrl, async (client) => {
      const { rows } = await client.query('select version from public.schema_migrations order by version')
      expect(rows.map((row: { version: number }) => row.version).at(-1)).toBe(newer)
      expect((await client.query('select at from public.marks')).rows).toEqual([{ at: '1' }])
    })
  })

  test('stores opened together on an empty database both open, migrated once', async () => {
    const { passwordUrl } = await freshDatabase('concurrent-open')
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(passwordUrl, { poolSize: 2 })))
    try {
      for (const store of stores)
        expect(await store.schemaVersions()).toEqual({ current: LATEST_PG_SCHEMA, latest: LATEST_PG_SCHEMA })
      await stores[0]!.marks.set('seen', 7)
      expect(await stores[3]!.marks.get('seen')).toBe(7)
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
    await withClient(passwordUrl, async (client) => {
      const { rows } = await client.query<{ version: number }>('select version from public.schema_migrations')
      expect(rows.map((row) => row.version)).toEqual([...Array(LATEST_PG_SCHEMA).keys()].map((i) => i + 1))
    })
  })

  test('a schema each: two stores share one database without seeing each other', async () => {
    const { passwordUrl } = await freshDatabase('schemas')
    const a = await openPostgresStore(passwordUrl, { schema: 'team_a' })
    const b = await openPostgresStore(`${passwordUrl}?schema=team_b`)
    const aAgain = await openPostgresStore(`${passwordUrl}?schema=team_a`)
    try {
      expect(a.path).toBe(`${redactUrl(passwordUrl)}?schema=team_a`)
      expect(b.path).toBe(`${redactUrl(passwordUrl)}?schema=team_b`)
      await a.checkpoints.set('sync:last', { team: 'a' })
      await a.locks.acquire('sync', 'run-a', 0, 60_000)
      expect(await b.checkpoints.get('sync:last')).toBeUndefined()
      expect(await b.locks.acquire('sync', 'run-b', 1, 60_000)).toBe(true)
      expect((await aAgain.checkpoints.get('sync:last'))?.value).toEqual({ team: 'a' })
      expect((await aAgain.locks.get('sync'))?.owner).toBe('run-a')
      expect((await b.counts()).checkpoints).toBe(0)
    } finally {
      await Promise.all([a.close(), b.close(), aAgain.close()])
    }
    await withClient(passwordUrl, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `select nspname as name from pg_namespace where nspname like 'team_%' order by 1`,
      )
      expect(rows.map((row) => row.name)).toEqual(['team_a', 'team_b'])
      // Nothing in the default schema: each store made only its own.
      expect((await client.query(`select 1 from pg_tables where schemaname = 'public'`)).rowCount).toBe(0)
    })
  })

  test('the path is the URL without its password; the pool is named aircall-intercom', async () => {
    const { passwordUrl, name } = await freshDatabase('path')
    const store = await openPostgresStore(passwordUrl)
    try {
      expect(store.path).toBe(redactUrl(passwordUrl))
      expect(store.path).not.toContain(postgresServer().password)
      expect(store.path).toContain(name)
      await store.marks.get('warm')
      await withClient(postgresServer().adminUrl, async (client) => {
        const { rows } = await client.query<{ application_name: string }>(
          'select application_name from pg_stat_activity where datname = $1',
          [name],
        )
        expect(rows.map((row) => row.application_name)).toContain('aircall-intercom')
      })
    } finally {
      await store.close()
    }
  })

  test('integrityProblems names a missing table and a migration this build does not know', async () => {
    const { passwordUrl } = await freshDatabase('integrity')
    const store = await openPostgresStore(passwordUrl)
    try {
      expect(await store.integrityProblems()).toEqual([])
      await withClient(passwordUrl, async (client) => {
        await client.query('drop table public.marks')
        await client.query(`insert into public.schema_migrations (version, name) values (1000, 'unknown')`)
      })
      expect(await store.integrityProblems()).toEqual([
        'table public.marks is missing',
        'schema_migrations records version 1000, which this build does not know',
      ])
    } finally {
      await store.close()
    }
  })

  test('a transaction store used after its transaction ended refuses, rather than reach another client', async () => {
    const { passwordUrl } = await freshDatabase('tx-ended')
    const store = await openPostgresStore(passwordUrl)
    try {
      let kept: AsyncStateStore | undefined
      await store.transaction(async (tx) => {
        kept = tx
        await tx.marks.set('inside', 1)
      })
      await expect(kept!.marks.set('after', 2)).rejects.toThrow(/transaction has ended/)
      expect(await store.marks.get('after')).toBeNull()
      expect(await store.marks.get('inside')).toBe(1)
    } finally {
      await store.close()
    }
  })

  test('a lock holds across processes: another process cannot take it until it is released', async () => {
    const { passwordUrl } = await freshDatabase('locks-processes')
    const store = await openPostgresStore(passwordUrl)
    try {
      expect(await store.locks.acquire('sync', 'this-process', 1_000, 60_000)).toBe(true)
      expect(await acquireInAnotherProcess(passwordUrl, 'other-process', 2_000)).toBe('false')
      await store.locks.release('sync', 'this-process')
      expect(await acquireInAnotherProcess(passwordUrl, 'other-process', 2_000)).toBe('true')
      expect((await store.locks.get('sync'))?.owner).toBe('other-process')
    } finally {
      await store.close()
    }
  })
})

describe('transactions on a PostgreSQL store', () => {
  test('calls through the pool store inside a transaction join it: a throw undoes them too, and nothing waits', async () => {
    const { passwordUrl } = await freshDatabase('tx-join')
    const store = await openPostgresStore(passwordUrl, { poolSize: 2 })
    try {
      await expect(
        store.transaction(async (tx) => {
          await tx.checkpoints.set('through-tx', { n: 1 })
          // The outer store, not tx: on another client it would wait for this transaction's lock on the row.
          await store.checkpoints.set('through-tx', { n: 2 })
          await store.transaction(async (nested) => nested.checkpoints.set('nested', { n: 3 }))
          throw new Error('undo all three')
        }),
      ).rejects.toThrow('undo all three')
      expect(await store.checkpoints.list()).toEqual([])
      // Outside any transaction the pool store commits at once.
      await store.checkpoints.set('after', { n: 4 })
      expect((await store.checkpoints.get('after'))?.value).toEqual({ n: 4 })
    } finally {
      await store.close()
    }
  })
})

describe('transactions that read, decide and write, across processes', () => {
  const bump = async (tx: AsyncStateStore, pause?: { read: () => void; gate: Promise<void> }): Promise<void> => {
    const count = (await tx.checkpoints.get('counter'))?.value.n
    pause?.read()
    await pause?.gate
    await tx.checkpoints.set('counter', { n: (typeof count === 'number' ? count : 0) + 1 })
  }

  test('two stores bumping one counter lose an update at read committed, and none when both name the key', async () => {
    const { passwordUrl, url } = await freshDatabase('lock-keys')
    const first = await openPostgresStore(passwordUrl)
    const second = await openPostgresStore(passwordUrl)
    const watcher = new pg.Client({ connectionString: url })
    await watcher.connect()
    const waitingForKey = async (): Promise<void> => {
      for (;;) {
        const { rows } = await watcher.query<{ n: number }>(
          "select count(*)::integer as n from pg_locks where locktype = 'advisory' and not granted",
        )
        if (rows[0]?.n === 1) return
      }
    }
    try {
      for (const lockKeys of [[], ['counter']]) {
        await first.checkpoints.deleteByPrefix('counter')
        let release!: () => void
        let read!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        const hasRead = new Promise<void>((resolve) => (read = resolve))
        const slow = first.transaction((tx) => bump(tx, { read, gate }), { lockKeys })
        await hasRead
        const fast = second.transaction((tx) => bump(tx), { lockKeys })
        // Without a key the second reads the same count and commits at once; with it, it waits before reading.
        if (lockKeys.length === 0) await fast
        else await waitingForKey()
        release()
        await Promise.all([slow, fast])
        expect((await first.checkpoints.get('counter'))?.value.n).toBe(lockKeys.length === 0 ? 1 : 2)
      }
    } finally {
      await watcher.end()
      await first.close()
      await second.close()
    }
  })
})
