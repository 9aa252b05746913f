import { describe, expect, test } from 'vitest'
import type { AsyncStateStore } from '../../src/store/async-store.js'
import { DeferredStore } from '../../src/store/deferred-store.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'

const memoryStore = (): AsyncStateStore => asyncSqliteStore(openStateStore(':memory:'))

describe('DeferredStore', () => {
  test('opens on its first call, once, and serves every repository and the store calls from the opened store', async () => {
    let opened = 0
    const store = new DeferredStore('postgres://db/app', () => {
      opened += 1
      return Promise.resolve(memoryStore())
    })
    expect(opened).toBe(0)
    expect(store.path).toBe('postgres://db/app')
    await store.marks.set('a', 5)
    await store.checkpoints.set('run', { through: 10 })
    await store.contacts.upsert([])
    expect(await store.marks.get('a')).toBe(5)
    expect((await store.checkpoints.get('run'))?.value).toEqual({ through: 10 })
    expect(await store.transaction(async (tx) => tx.marks.get('a'))).toBe(5)
    expect((await store.counts()).checkpoints).toBe(1)
    expect(await store.serverTime()).toBeNull()
    const seen: unknown[] = []
    for await (const contact of store.contacts.iterate()) seen.push(contact)
    expect(seen).toEqual([])
    expect(opened).toBe(1)
    await store.close()
  })

  test('a repository is not a thenable, so awaiting one gives the repository', async () => {
    const store = new DeferredStore('x', () => Promise.resolve(memoryStore()))
    // What `await` does with a value: a `then` it finds would be called.
    const marks: unknown = await Promise.resolve(store.marks)
    expect(marks).toBe(store.marks)
    await store.close()
  })

  test('an opening that fails fails every call with its error; closing a store never opened opens nothing', async () => {
    let attempts = 0
    const refused = new Error('connection refused')
    const store = new DeferredStore('postgres://db/app', () => {
      attempts += 1
      return Promise.reject(refused)
    })
    await expect(store.marks.get('a')).rejects.toBe(refused)
    await expect(store.counts()).rejects.toBe(refused)
    expect(attempts).toBe(1)
    await expect(store.close()).resolves.toBeUndefined()

    let openedForClose = 0
    const untouched = new DeferredStore('y', () => {
      openedForClose += 1
      return Promise.resolve(memoryStore())
    })
    await untouched.close()
    expect(openedForClose).toBe(0)
  })
})
