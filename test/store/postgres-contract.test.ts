import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe } from 'vitest'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { freshDatabase } from '../helpers/postgres.js'
import { describeCallStatesContract } from './contract/call-states.js'
import { describeContactIndexContract } from './contract/contact-index.js'
import { describeEventQueueContract } from './contract/event-queue.js'
import type { MakeStore } from './contract/harness.js'
import { describeLedgerContract } from './contract/ledger.js'
import { describeLocksContract } from './contract/locks.js'
import { describeMarksContract } from './contract/marks.js'
import { describeRunCheckpointsContract } from './contract/run-checkpoints.js'
import { describeStateStoreContract } from './contract/state-store.js'

const SCHEMA = 'contract'

/**
 * One database and one migrated schema for the file, emptied before each test: deleting the few rows a test wrote
 * takes a millisecond where migrating a new schema takes tens. A test's second `makeStore()` opens a second pool
 * on the same schema, as another process would. The stores connect as the database's owner with a password, not
 * as the superuser.
 */
describe('PostgreSQL store contract (a real server)', () => {
  let url = ''
  let admin: pg.Client | null = null
  let emptyAll = ''

  beforeAll(async () => {
    url = (await freshDatabase('contract')).passwordUrl
    await (await openPostgresStore(url, { schema: SCHEMA })).close()
    admin = new pg.Client(url)
    await admin.connect()
    const { rows: tables } = await admin.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = $1 and tablename <> 'schema_migrations'`,
      [SCHEMA],
    )
    const { rows: sequences } = await admin.query<{ name: string }>(
      'select sequencename as name from pg_sequences where schemaname = $1',
      [SCHEMA],
    )
    // Every table the migrations made, whoever added it, and its sequences back at 1, as in a new store.
    emptyAll = [
      ...tables.map((t) => `delete from ${SCHEMA}.${t.name}`),
      ...sequences.map((s) => `select setval('${SCHEMA}.${s.name}', 1, false)`),
    ].join(';\n')
  })
  afterAll(async () => {
    await admin?.end()
  })
  beforeEach(async () => {
    await admin?.query(emptyAll)
  })

  // A few connections per store: a test opens several stores, and the server's connections are shared by every
  // file running in parallel.
  const makeStore: MakeStore = (options = {}) => openPostgresStore(url, { ...options, schema: SCHEMA, poolSize: 4 })

  describeLedgerContract(makeStore)
  describeRunCheckpointsContract(makeStore)
  describeCallStatesContract(makeStore)
  describeEventQueueContract(makeStore)
  describeContactIndexContract(makeStore)
  describeMarksContract(makeStore)
  describeLocksContract(makeStore)
  describeStateStoreContract(makeStore)
})
