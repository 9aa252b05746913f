import { join } from 'node:path'
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { AsyncStateStore } from '../../src/store/async-store.js'
import { postgresLocation, type StateLocation } from '../../src/store/location.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore, StoreError } from '../../src/store/sqlite/index.js'
import type { EventOutcome, IndexedContact } from '../../src/store/state-store.js'
import { copyState, postgresSnapshot, StateTransferError } from '../../src/store/transfer.js'
import { freshDatabase } from '../helpers/postgres.js'
import { useTempDir } from '../helpers/temp-dir.js'

type PgLocation = Extract<StateLocation, { kind: 'postgres' }>

const NOW = 1_700_000_000_000
const now = (): number => NOW

const outcome: EventOutcome = {
  effects: [
    { rule: 'log', status: 'logged' },
    { rule: 'missed-call', status: 'skipped', detail: 'en dehors des heures — 営業時間外' },
  ],
  objects: [{ service: 'intercom', kind: 'conversation', id: '100002' }],
  summary: 'logged ✓',
  durationMs: 12.5,
}

const contact = (id: string, extra: Partial<IndexedContact> = {}): IndexedContact => ({
  contactId: id,
  role: 'user',
  name: null,
  email: null,
  emailRaw: null,
  phoneRaw: null,
  phoneE164: null,
  createdAt: NOW - 1000,
  updatedAt: NOW - 500,
  lastSeenAt: null,
  origin: 'refresh',
  indexedAt: NOW - 100,
  ...extra,
})

/**
 * A store with rows in every table, the awkward values included: JSON documents with unicode and nesting, nulls,
 * a pending claim with its lease, every event status with a dead letter and an outcome, a purged event above the
 * highest id left (so the next id is not max + 1), contacts with several readings, fingerprints, marks and locks.
 */
const seed = (store: SqliteStateStore): void => {
  const { ledger, checkpoints, callStates, queue, contacts, marks, locks } = store
  ledger.begin('call:1:conversation', { contact: 'Zoë', nested: { list: [1, 'two', null], emoji: '📞' } })
  ledger.complete('call:1:conversation', 'conv-1', { via: 'sync' })
  ledger.begin('call:2:note')
  ledger.fail('call:2:note', 'Intercom a répondu 422: « invalid »')
  ledger.complete('call:3:conversation', null)
  void ledger.claim('contact:+33123456789:create', {
    owner: 'host-a/123/abcd',
    leaseMs: 120_000,
    data: { e: '"quoted"\\' },
  })
  checkpoints.set('backfill:api', {
    spans: [
      [1, 2],
      [5, 9],
    ],
    note: 'ünïcödé',
    empty: {},
    none: null,
  })
  checkpoints.set('sync:aircall', { through: 1_699_999_999 })
  callStates.advance('c-1', { stage: 2, event: 'call.ended', timestamp: 1_699_999_000.5 })
  callStates.markNotLogged('c-2', 'anonymous caller')
  const [a, b, c, d, e, f] = queue.enqueueAll(
    ['a', 'b', 'c', 'd', 'e', 'f'].map((identity, i) => ({
      source: i === 4 ? ('job' as const) : ('aircall' as const),
      identity: `evt-${identity}`,
      type: i === 4 ? 'job.log-call' : 'call.ended',
      subject: i % 2 === 0 ? `call:${i}` : null,
      payload: JSON.stringify({ identity, text: 'Grüße, 你好', n: i }),
      receivedAt: NOW - 10_000 + i,
    })),
  )
  const claimed = queue.claim(10, NOW - 5_000, 60_000).map((event) => event.id)
  expect(claimed).toContain(a!.id)
  queue.complete([a!.id], new Map([[a!.id, outcome]]))
  queue.complete([c!.id])
  queue.retry(b!.id, 'timeout, retrying', NOW + 30_000)
  queue.deadLetter(e!.id, 'permanent: no such contact')
  queue.complete([f!.id])
  queue.purge({ ids: [f!.id], rememberIdentitiesUntil: NOW + 86_400_000 })
  void d
  contacts.upsert([
    contact('ct-1', {
      name: 'Zoë Ångström',
      email: 'zoe@example.com',
      emailRaw: ' Zoe@Example.com ',
      phoneRaw: '01 23 45 67 89',
      phoneE164: '+33123456789',
      readings: [
        { e164: '+33123456789', derivation: 'contact-country' },
        { e164: '+44123456789', derivation: 'default-country' },
      ],
      country: 'FR',
      phoneTail: '23456789',
      lastSeenAt: NOW - 50,
    }),
    contact('ct-2', { role: 'lead', phoneRaw: '+1 415 555 0100', phoneE164: '+14155550100', origin: 'search' }),
    contact('ct-3', { email: 'nobody@example.com', origin: 'created' }),
  ])
  marks.set('missed-call:+33123456789', NOW - 3_600_000)
  marks.recordFingerprint('echo:conv-1:tag', NOW + 60_000)
  locks.acquire('sync', JSON.stringify({ pid: 1, host: 'old', startedAt: 0 }), NOW - 10 * 60_000, 60_000)
}

/** Everything the repositories show of a store, read the way the services read it. */
const view = async (store: AsyncStateStore) => {
  const events = await store.queue.list()
  const contactIds = ['ct-1', 'ct-2', 'ct-3', 'ct-none']
  const all: IndexedContact[] = []
  for await (const indexed of store.contacts.iterate()) all.push(indexed)
  return {
    counts: await store.counts(),
    steps: await store.ledger.list(),
    stepsGot: await store.ledger.getMany(['call:1:conversation', 'call:2:note', 'missing']),
    // Another owner meets the claim as held, with its owner and lease: both were copied.
    held: await store.ledger.claim('contact:+33123456789:create', { owner: 'someone/1/x', leaseMs: 1 }),
    checkpoints: await store.checkpoints.list(),
    callStates: [await store.callStates.get('c-1'), await store.callStates.get('c-2')],
    events,
    eventsById: await Promise.all(events.map((event) => store.queue.get(event.id))),
    dead: await store.queue.list({ status: 'dead' }),
    byOutcome: (await store.queue.list({ outcome: { rule: 'missed-call', status: 'skipped' } })).map((e) => e.id),
    queueCounts: await store.queue.counts(),
    contacts: await Promise.all(contactIds.map((id) => store.contacts.get(id))),
    all,
    byPhone: await store.contacts.findByPhone('+44123456789'),
    international: await store.contacts.findSpelledInternationally('+14155550100'),
    byTail: await store.contacts.findByPhoneTail('23456789'),
    byEmail: await store.contacts.findByEmail(' ZOE@example.com'),
    mark: await store.marks.get('missed-call:+33123456789'),
    fingerprint: await store.marks.hasFingerprint('echo:conv-1:tag', NOW),
    // The purged event's identity is remembered: a redelivery is still a duplicate, not a new event.
    purgedRedelivery: (
      await store.queue.enqueue({
        source: 'aircall',
        identity: 'evt-f',
        type: 't',
        subject: null,
        payload: '{}',
        receivedAt: 1,
      })
    ).duplicate,
  }
}

describe('copying the state between SQLite and PostgreSQL (a real server)', () => {
  const tempDir = useTempDir()
  let url = ''
  let schemas = 0
  const opened: AsyncStateStore[] = []
  const track = <T extends AsyncStateStore>(store: T): T => {
    opened.push(store)
    return store
  }
  const newSchema = (): PgLocation => {
    schemas += 1
    return postgresLocation(`${url}?schema=transfer_${schemas}`) as PgLocation
  }
  const seededFile = (): string => {
    const path = join(tempDir(), 'state.sqlite')
    const store = openStateStore(path, { now })
    store.transaction(() => seed(store))
    store.close()
    return path
  }
  const sqlite = (path: string): AsyncStateStore => track(asyncSqliteStore(openStateStore(path, { now })))
  const postgres = async (location: PgLocation): Promise<AsyncStateStore> =>
    track(await openPostgresStore(location.url, { schema: location.schema, now }))
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client(url)
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    url = (await freshDatabase('transfer')).passwordUrl
  })
  afterEach(async () => {
    for (const store of opened.splice(0).reverse()) await store.close()
  })

  test('a round trip SQLite → PostgreSQL → snapshot keeps what every repository shows', async () => {
    const file = seededFile()
    const target = newSchema()
    const result = await copyState({ kind: 'sqlite', path: file }, target)
    expect(result.replaced).toBeNull()
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual({
      ledger: 4,
      checkpoints: 2,
      call_states: 2,
      events: 5,
      contacts: 3,
      contact_readings: 3,
      fingerprints: 2,
      marks: 1,
    })
    // The lock of a process on the old store stays there.
    expect(result.locksLeft).toBe(1)

    const source = await view(sqlite(file))
    const inPostgres = await view(await postgres(target))
    expect(inPostgres).toEqual(source)
    const snapshot = await view(track(await postgresSnapshot(target, { now })))
    expect(snapshot).toEqual(source)
    expect(source.events.map((e) => e.status).sort()).toEqual(['dead', 'done', 'done', 'processing', 'queued'])
    expect(source.byOutcome).toHaveLength(1)
    expect(source.held).toMatchObject({ status: 'held', owner: 'host-a/123/abcd' })
    expect(source.purgedRedelivery).toBe(true)
    expect(source.byPhone.map((c) => c.contactId)).toEqual(['ct-1'])
    expect(source.callStates[0]).toMatchObject({ timestamp: 1_699_999_000.5 })

    const pgStore = await postgres(target)
    expect(await pgStore.locks.get('sync')).toBeUndefined()
  })

  test('events enqueued after the copy get ids above every copied and purged one, the same in a snapshot', async () => {
    const file = seededFile()
    const purgedId = 6
    const target = newSchema()
    const result = await copyState({ kind: 'sqlite', path: file }, target)
    expect(result.events).toEqual({ maxId: 5, nextId: purgedId + 1 })
    const input = {
      source: 'aircall' as const,
      identity: 'new',
      type: 'call.ended',
      subject: null,
      payload: '{}',
      receivedAt: NOW,
    }
    const inSnapshot = await track(await postgresSnapshot(target, { now })).queue.enqueue(input)
    const inFile = await sqlite(file).queue.enqueue(input)
    const inPostgres = await (await postgres(target)).queue.enqueue(input)
    expect(inPostgres).toEqual({ id: purgedId + 1, duplicate: false })
    expect(inSnapshot).toEqual(inPostgres)
    expect(inFile).toEqual(inPostgres)
    // A redelivery of the purged event is still known.
    expect(await (await postgres(target)).queue.enqueue({ ...input, identity: 'evt-f' })).toMatchObject({
      duplicate: true,
    })
  })

  test('a target that holds anything is refused, naming it, and replaced with force in the same transaction', async () => {
    const file = seededFile()
    const target = newSchema()
    const other = await postgres(target)
    await other.marks.set('left-over', 1)
    await other.queue.enqueue({
      source: 'intercom',
      identity: 'other',
      type: 't',
      subject: null,
      payload: '{}',
      receivedAt: 1,
    })
    const refused = await copyState({ kind: 'sqlite', path: file }, target).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(StateTransferError)
    expect(refused).toMatchObject({ errorCode: 'target_not_empty', exitCode: 1 })
    expect((refused as Error).message).toContain('events 1, marks 1')
    expect(await other.marks.get('left-over')).toBe(1)

    const forced = await copyState({ kind: 'sqlite', path: file }, target, { force: true })
    expect(forced.replaced).toMatchObject({ events: 1, marks: 1, ledger: 0 })
    expect(await other.marks.get('left-over')).toBeNull()
    expect(await view(await postgres(target))).toEqual(await view(sqlite(file)))
  })

  test('a copy that does not verify is rolled back: nothing lands in the target', async () => {
    const file = seededFile()
    const target = newSchema()
    await (await postgres(target)).close()
    // A target that silently drops a row (a trigger) cannot hold the state; the counts tell.
    await admin(async (client) => {
      await client.query(`create function ${target.schema}.drop_mark() returns trigger language plpgsql as $$
        begin return null; end $$`)
      await client.query(`create trigger drop_mark before insert on ${target.schema}.marks
        for each row execute function ${target.schema}.drop_mark()`)
    })
    const error = await copyState({ kind: 'sqlite', path: file }, target).catch((e: unknown) => e)
    expect(error).toMatchObject({ errorCode: 'verification_failed', exitCode: 1 })
    expect((error as StateTransferError).problems).toEqual(['marks: 1 rows in the source, 0 written, 0 in the target'])
    const counts = await (await postgres(target)).counts()
    expect(counts.ledger).toEqual({ pending: 0, done: 0, failed: 0 })
    expect(counts.contacts).toBe(0)
  })

  test('back from PostgreSQL into a new SQLite file; an existing one is refused without force', async () => {
    const file = seededFile()
    const target = newSchema()
    await copyState({ kind: 'sqlite', path: file }, target)
    const back = join(tempDir(), 'back.sqlite')
    const result = await copyState(target, { kind: 'sqlite', path: back })
    expect(result.events).toEqual({ maxId: 5, nextId: 7 })
    expect(await view(sqlite(back))).toEqual(await view(sqlite(file)))
    await expect(copyState(target, { kind: 'sqlite', path: file })).rejects.toMatchObject({
      errorCode: 'target_not_empty',
    })
    // A failed copy into a file it created leaves no file behind.
    const missing = postgresLocation(`${url}?schema=never_made`)
    const nowhere = join(tempDir(), 'nowhere.sqlite')
    await expect(copyState(missing, { kind: 'sqlite', path: nowhere })).rejects.toMatchObject({
      errorCode: 'state_missing',
    })
    expect(existsSync(nowhere)).toBe(false)
  })

  test('a snapshot of a schema that does not exist is an empty store, and creates nothing', async () => {
    const location = postgresLocation(`${url}?schema=not_there`) as PgLocation
    const snapshot = track(await postgresSnapshot(location, { now }))
    expect(snapshot.path).toBe(location.display)
    expect((await snapshot.counts()).contacts).toBe(0)
    // What a dry run writes stays in memory.
    await snapshot.marks.set('dry', 1)
    expect(await snapshot.marks.get('dry')).toBe(1)
    const present = await admin((client) =>
      client.query(`select 1 from pg_namespace where nspname = 'not_there'`).then((r) => r.rowCount),
    )
    expect(present).toBe(0)
  })

  test('a snapshot writes nothing to PostgreSQL and sees one point in time', async () => {
    const file = seededFile()
    const target = newSchema()
    await copyState({ kind: 'sqlite', path: file }, target)
    const snapshot = track(await postgresSnapshot(target, { now }))
    await snapshot.marks.set('dry-run', 5)
    await snapshot.queue.enqueue({
      source: 'aircall',
      identity: 'dry',
      type: 't',
      subject: null,
      payload: '{}',
      receivedAt: 1,
    })
    const real = await postgres(target)
    expect(await real.marks.get('dry-run')).toBeNull()
    expect((await real.queue.list()).some((event) => event.identity === 'dry')).toBe(false)
  })

  test('large tables move a page at a time, both ways', async () => {
    const path = join(tempDir(), 'large.sqlite')
    const store = openStateStore(path, { now })
    store.transaction(() => {
      for (let n = 0; n < 12_345; n += 1) store.marks.set(`mark:${String(n).padStart(6, '0')}`, n)
      store.queue.enqueueAll(
        Array.from({ length: 2_345 }, (_, n) => ({
          source: 'aircall' as const,
          identity: `e${n}`,
          type: 'call.ended',
          subject: null,
          payload: JSON.stringify({ n }),
          receivedAt: n,
        })),
      )
    })
    store.close()
    const target = newSchema()
    const result = await copyState({ kind: 'sqlite', path }, target)
    expect(result.tables.find((t) => t.table === 'marks')?.rows).toBe(12_345)
    expect(result.tables.find((t) => t.table === 'events')?.rows).toBe(2_345)
    const snapshot = track(await postgresSnapshot(target, { now }))
    expect(await snapshot.marks.get('mark:012344')).toBe(12_344)
    expect((await snapshot.queue.counts()).queued).toBe(2_345)
    const back = join(tempDir(), 'back.sqlite')
    await copyState(target, { kind: 'sqlite', path: back })
    expect((await sqlite(back).queue.list({ afterId: 2_340 })).map((e) => e.identity)).toEqual([
      'e2340',
      'e2341',
      'e2342',
      'e2343',
      'e2344',
    ])
  })

  test('the same backend on both sides, or a source that does not exist, is refused before anything opens', async () => {
    const dir = tempDir()
    await expect(
      copyState({ kind: 'sqlite', path: join(dir, 'a.sqlite') }, { kind: 'sqlite', path: join(dir, 'b.sqlite') }),
    ).rejects.toMatchObject({ errorCode: 'same_backend', exitCode: 2 })
    await expect(copyState({ kind: 'sqlite', path: join(dir, 'none.sqlite') }, newSchema())).rejects.toMatchObject({
      errorCode: 'state_missing',
    })
    expect(existsSync(join(dir, 'none.sqlite'))).toBe(false)
  })

  test('a file another process keeps writing is named, after the busy timeout, and nothing is copied', async () => {
    const file = seededFile()
    const target = newSchema()
    const writer = new Database(file)
    writer.exec('BEGIN IMMEDIATE')
    try {
      const error = await copyState({ kind: 'sqlite', path: file }, target).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect((error as Error).message).toBe(`${file} is being written by another process, which held it for 5 s`)
    } finally {
      writer.exec('ROLLBACK')
      writer.close()
    }
    expect((await (await postgres(target)).counts()).contacts).toBe(0)
  })

  test('the source locks are handed to checkLocks inside the copy, which may refuse it', async () => {
    const file = seededFile()
    const target = newSchema()
    const seen: string[] = []
    await expect(
      copyState({ kind: 'sqlite', path: file }, target, {
        checkLocks: (side, locks) => {
          seen.push(`${side}:${locks.map((l) => l.name).join(',')}`)
          if (side === 'source') throw new Error('refused')
        },
      }),
    ).rejects.toThrow('refused')
    expect(seen).toEqual(['source:sync'])
    // Refused before the target was touched beyond its migration.
    expect((await (await postgres(target)).counts()).contacts).toBe(0)
  })
})
