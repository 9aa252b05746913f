import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
let sqlite: SqliteStateStore | undefined
afterEach(() => {
  sqlite?.close()
  sqlite = undefined
})

const open = () => {
  sqlite = openStateStore(join(tempDir(), 'state.sqlite'))
  return { sqlite, store: asyncSqliteStore(sqlite) }
}

describe('the SQLite store served asynchronously', () => {
  test('a transaction that throws rolls back only its own writes, not those other work made meanwhile', async () => {
    const { sqlite, store } = open()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const failing = store.transaction(async (tx) => {
      await tx.checkpoints.set('inside', { n: 1 })
      await held
      throw new Error('the effect failed')
    })
    // Issued while the transaction is open: it waits for it, then lands on its own.
    const outside = store.checkpoints.set('outside', { n: 2 })
    release()
    await expect(failing).rejects.toThrow('the effect failed')
    await outside
    expect(sqlite.checkpoints.get('inside')).toBeUndefined()
    expect(sqlite.checkpoints.get('outside')?.value).toEqual({ n: 2 })
  })

  test('two transactions started in the same turn run one after the other, each whole', async () => {
    const { store } = open()
    const bump = () =>
      store.transaction(async (tx) => {
        const value = (await tx.checkpoints.get('counter'))?.value.n
        await tx.checkpoints.set('counter', { n: (typeof value === 'number' ? value : 0) + 1 })
      })
    await Promise.all(Array.from({ length: 20 }, bump))
    expect((await store.checkpoints.get('counter'))?.value).toEqual({ n: 20 })
  })

  test('inside a transaction, calls through the outer store and nested transactions join it', async () => {
    const { sqlite, store } = open()
    await expect(
      store.transaction(async () => {
        await store.checkpoints.set('a', { n: 1 })
        await store.transaction(async (tx) => tx.checkpoints.set('b', { n: 2 }))
        throw new Error('undo both')
      }),
    ).rejects.toThrow('undo both')
    expect(sqlite.checkpoints.list()).toEqual([])
  })

  test('the whole contact index is walked page by page, in id order', async () => {
    const { store } = open()
    const contacts = Array.from({ length: 2_345 }, (_, n) => ({
      contactId: `c${String(n).padStart(5, '0')}`,
      role: 'user' as const,
      name: null,
      email: null,
      phoneRaw: null,
      phoneE164: null,
      createdAt: 0,
      updatedAt: 0,
      lastSeenAt: null,
      origin: 'refresh' as const,
      indexedAt: 0,
    }))
    await store.contacts.upsert(contacts)
    const seen: string[] = []
    for await (const contact of store.contacts.iterate()) {
      seen.push(contact.contactId)
      // Other work between pages must not trip over an open statement.
      if (seen.length % 1_000 === 0) await store.checkpoints.set('walked', { n: seen.length })
    }
    expect(seen).toEqual(contacts.map((contact) => contact.contactId))
  })
})
