import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, test } from 'vitest'
import { openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import type { IndexedContact } from '../../src/store/state-store.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

/** The store and a second connection to the same file: what another process (status, a resumed run) would see. */
const openPair = (): { store: SqliteStateStore; other: SqliteStateStore } => {
  const path = join(tempDir(), 'state.sqlite')
  const store = openStateStore(path)
  return { store, other: openStateStore(path) }
}

describe('grouped writes of the SQLite store', () => {
  test('a claim is committed, for every connection, by the time it resolves', async () => {
    const { store, other } = openPair()
    const begun = store.ledger.claim('call:1:conversation', {
      owner: 'test',
      leaseMs: 60_000,
      data: { contactId: 'c1' },
    })
    expect(other.ledger.get('call:1:conversation')).toBeUndefined()
    await begun
    expect(other.ledger.get('call:1:conversation')).toMatchObject({
      status: 'pending',
      attempts: 1,
      data: { contactId: 'c1' },
    })
    store.close()
    other.close()
  })

  test('begins and completions queued in one turn commit together, in order', async () => {
    const { store, other } = openPair()
    store.ledger.begin('call:1:conversation', { contactId: 'c1' })
    store.ledger.complete('call:1:conversation', 'conv-1', { contactId: 'c1', created: true })
    const noteBegun = store.ledger.claim('call:1:note', {
      owner: 'test',
      leaseMs: 60_000,
      data: { conversationId: 'conv-1' },
    })
    const secondBegun = store.ledger.claim('call:2:conversation', {
      owner: 'test',
      leaseMs: 60_000,
      data: { contactId: 'c2' },
    })
    expect(other.ledger.get('call:1:conversation')).toMatchObject({ status: 'pending' })
    await Promise.all([noteBegun, secondBegun])
    expect(other.ledger.get('call:1:conversation')).toMatchObject({
      status: 'done',
      externalId: 'conv-1',
      data: { contactId: 'c1', created: true },
    })
    expect(other.ledger.get('call:1:note')).toMatchObject({ status: 'pending' })
    expect(other.ledger.get('call:2:conversation')).toMatchObject({ status: 'pending' })
    store.close()
    other.close()
  })

  test('a queued completion is seen at once through the same store and by others at the end of the turn', async () => {
    const { store, other } = openPair()
    store.ledger.begin('call:1:note')
    store.ledger.complete('call:1:note', 'part-1', { revision: 'r1' })
    expect(other.ledger.get('call:1:note')).toMatchObject({ status: 'pending' })
    expect(store.ledger.get('call:1:note')).toMatchObject({ status: 'done', externalId: 'part-1' })
    store.ledger.complete('call:2:note', 'part-2')
    await nextTurn()
    expect(other.ledger.get('call:2:note')).toMatchObject({ status: 'done', externalId: 'part-2' })
    store.close()
    other.close()
  })

  test('a checkpoint never lands before the completions queued ahead of it', () => {
    const { store, other } = openPair()
    store.ledger.complete('call:1:note', 'part-1')
    store.transaction(() => store.checkpoints.set('backfill:api', { windowEnd: 100 }))
    expect(other.ledger.get('call:1:note')).toMatchObject({ status: 'done' })
    store.ledger.complete('call:2:note', 'part-2')
    store.checkpoints.set('backfill:api', { windowEnd: 200 })
    expect(other.ledger.get('call:2:note')).toMatchObject({ status: 'done' })
    store.close()
    other.close()
  })

  test('closing the store commits what is still queued', () => {
    const path = join(tempDir(), 'state.sqlite')
    const store = openStateStore(path)
    store.ledger.complete('call:1:note', 'part-1')
    store.close()
    const reopened = openStateStore(path)
    expect(reopened.ledger.get('call:1:note')).toMatchObject({ status: 'done', externalId: 'part-1' })
    reopened.close()
  })

  test('a group that cannot be written rejects its begins and leaves nothing half-written', async () => {
    const { store, other } = openPair()
    store.ledger.begin('call:1:note')
    store.ledger.complete('call:1:note', 'part-1')
    const good = store.ledger.claim('call:2:note', {
      owner: 'test',
      leaseMs: 60_000,
      data: { conversationId: 'conv-2' },
    })
    // An external id SQLite cannot bind fails the whole group's transaction.
    store.ledger.complete('call:3:note', { not: 'an id' } as unknown as string)
    await expect(good).rejects.toThrow()
    // Rolled back together: the interrupted steps stay as they were, for reconciliation to find.
    expect(other.ledger.get('call:1:note')).toMatchObject({ status: 'pending' })
    expect(other.ledger.get('call:2:note')).toBeUndefined()
    // The store keeps working afterwards.
    await store.ledger.claim('call:2:note', { owner: 'test', leaseMs: 60_000, data: { conversationId: 'conv-2' } })
    expect(other.ledger.get('call:2:note')).toMatchObject({ status: 'pending' })
    store.close()
    other.close()
  })

  test('data that cannot be stored is refused at once, before anything is queued', async () => {
    const { store, other } = openPair()
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(store.ledger.claim('call:1:note', { owner: 'test', leaseMs: 60_000, data: circular })).rejects.toThrow(
      /circular/i,
    )
    await store.ledger.claim('call:2:note', { owner: 'test', leaseMs: 60_000 })
    expect(other.ledger.get('call:1:note')).toBeUndefined()
    store.close()
    other.close()
  })

  test('a queued completion merges its data into the step, as one committed alone would', async () => {
    const { store } = openPair()
    store.ledger.begin('call:1:note', { conversationId: 'conv-1', revision: 'r1' })
    store.ledger.complete('call:1:note', 'part-1', { revision: 'r2' })
    expect(store.ledger.get('call:1:note')).toMatchObject({
      status: 'done',
      attempts: 1,
      data: { conversationId: 'conv-1', revision: 'r2' },
    })
    // A claim never reopens a written step: it answers with what was written.
    expect(
      await store.ledger.claim('call:1:note', { owner: 'test', leaseMs: 60_000, data: { conversationId: 'x' } }),
    ).toMatchObject({ status: 'done', step: { externalId: 'part-1' } })
    expect(store.ledger.get('call:1:note')).toMatchObject({ status: 'done', attempts: 1, externalId: 'part-1' })
    store.close()
  })

  test('inside a transaction, claims and completions join it', async () => {
    const { store, other } = openPair()
    let begun: Promise<unknown> = Promise.resolve()
    store.transaction(() => {
      store.ledger.complete('call:1:conversation', 'conv-1')
      begun = store.ledger.claim('call:1:note', { owner: 'test', leaseMs: 60_000 })
    })
    expect(other.ledger.get('call:1:conversation')).toMatchObject({ status: 'done' })
    expect(other.ledger.get('call:1:note')).toMatchObject({ status: 'pending' })
    await begun
    store.close()
    other.close()
  })

  test('best-effort contact upserts are found at once through the store, by others after the turn, and in order', async () => {
    const { store, other } = openPair()
    const contact = (contactId: string, phoneE164: string): IndexedContact => ({
      contactId,
      role: 'lead',
      name: null,
      email: `${contactId}@example.com`,
      phoneRaw: phoneE164,
      phoneE164,
      createdAt: 1,
      updatedAt: 1,
      lastSeenAt: null,
      origin: 'created',
      indexedAt: 1,
    })
    store.contacts.upsert([contact('c1', '+33612345678')])
    // The same contact moves to another number: the old number must stop finding it at once.
    store.contacts.upsert([contact('c1', '+33698765432')], { bestEffort: true })
    expect(store.contacts.findByPhone('+33612345678')).toEqual([])
    expect(store.contacts.findByPhone('+33698765432').map((c) => c.contactId)).toEqual(['c1'])
    store.contacts.upsert([contact('c2', '+33611111111')], { bestEffort: true })
    expect(other.contacts.findByPhone('+33611111111')).toEqual([])
    await nextTurn()
    expect(other.contacts.findByPhone('+33611111111').map((c) => c.contactId)).toEqual(['c2'])
    store.contacts.upsert([contact('c3', '+33622222222')], { bestEffort: true })
    store.contacts.remove(['c3'])
    expect(other.contacts.get('c3')).toBeUndefined()
    expect(store.contacts.get('c3')).toBeUndefined()
    store.close()
    other.close()
  })
})
