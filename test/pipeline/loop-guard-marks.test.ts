import { afterEach, describe, expect, it } from 'vitest'

import { ECHO_KINDS } from '../../src/rules/loop-guard.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import { LoopGuard } from '../../src/pipeline/loop-guard.js'
import { intercomEvent, part } from '../rules/intercom-events.js'

const OWN = '999'
let store: SqliteStateStore | undefined
afterEach(() => {
  store?.close()
  store = undefined
})

const makeGuard = (capacity?: number) => {
  store = openStateStore(':memory:')
  const clock = { time: 1_700_000_000_000 }
  const guard = new LoopGuard({
    store: asyncSqliteStore(store),
    ownAdminId: OWN,
    ttlMs: 60_000,
    now: () => clock.time,
    ...(capacity === undefined ? {} : { recentMarks: capacity }),
  })
  return { guard, clock }
}

const tag = (conversationId: string, name: string) => ({
  service: 'intercom' as const,
  kind: ECHO_KINDS.conversationTag,
  targetId: conversationId,
  payload: { tag: name },
})

describe('LoopGuard recent marks', () => {
  it('lists what was marked, on which object, when and until when, newest first', async () => {
    const { guard, clock } = makeGuard()
    await guard.record(tag('c1', 'vip'))
    clock.time += 1_000
    await guard.record({
      service: 'intercom',
      kind: ECHO_KINDS.conversationClose,
      targetId: 'c2',
      payload: null,
    })
    const { marks, capacity } = guard.recentMarks()
    expect(capacity).toBe(200)
    expect(marks).toEqual([
      {
        service: 'intercom',
        kind: 'conversation.close',
        targetId: 'c2',
        detail: null,
        markedAt: 1_700_000_001_000,
        expiresAt: 1_700_000_061_000,
        echoes: 0,
        lastEchoAt: null,
      },
      {
        service: 'intercom',
        kind: 'conversation.tag',
        targetId: 'c1',
        detail: '{"tag":"vip"}',
        markedAt: 1_700_000_000_000,
        expiresAt: 1_700_000_060_000,
        echoes: 0,
        lastEchoAt: null,
      },
    ])
  })

  it('counts the echoes each mark suppressed, and every suppressed echo by how it was recognised', async () => {
    const { guard, clock } = makeGuard()
    await guard.record(tag('c1', 'vip'))
    clock.time += 500
    const echo = intercomEvent('conversation_part.tag.created', { id: 'c1', tags_added: { tags: [{ name: 'VIP' }] } })
    expect(await guard.check(echo)).toEqual({ echo: true, why: 'fingerprint' })
    expect(await guard.check(echo)).toEqual({ echo: true, why: 'fingerprint' })
    // Our own admin's change and a human's change: one suppressed without a mark, one not an echo at all.
    await guard.check(intercomEvent('conversation.admin.assigned', { id: 'c9', conversation_parts: part(OWN) }))
    await guard.check(
      intercomEvent('conversation_part.tag.created', { id: 'c3', tags_added: { tags: [{ name: 'x' }] } }),
    )
    // Another admin repeating our tag is theirs: not suppressed, not counted.
    await guard.check(
      intercomEvent('conversation_part.tag.created', {
        id: 'c1',
        tags_added: { tags: [{ name: 'vip' }] },
        conversation_parts: part('5'),
      }),
    )
    const { marks, suppressed } = guard.recentMarks()
    expect(marks[0]).toMatchObject({ targetId: 'c1', echoes: 2, lastEchoAt: 1_700_000_000_500 })
    expect(suppressed).toEqual({ fingerprint: 2, 'own-admin': 1, 'origin-marker': 0 })
  })

  it('keeps only the newest marks, and a repeated write moves to the front with its new expiry', async () => {
    const { guard, clock } = makeGuard(3)
    for (const name of ['a', 'b', 'c', 'd']) {
      await guard.record(tag('c1', name))
      clock.time += 1_000
    }
    expect(guard.recentMarks().marks.map((mark) => mark.detail)).toEqual(['{"tag":"d"}', '{"tag":"c"}', '{"tag":"b"}'])
    await guard.record(tag('c1', 'b'))
    const { marks } = guard.recentMarks()
    expect(marks.map((mark) => mark.detail)).toEqual(['{"tag":"b"}', '{"tag":"d"}', '{"tag":"c"}'])
    expect(marks[0]).toMatchObject({ markedAt: 1_700_000_004_000, expiresAt: 1_700_000_064_000 })
  })

  it('shortens a long payload', async () => {
    const { guard } = makeGuard()
    await guard.record({ ...tag('c1', 'x'), payload: { tag: 'x'.repeat(500) } })
    const detail = guard.recentMarks().marks[0]?.detail ?? ''
    expect(detail.length).toBeLessThanOrEqual(120)
    expect(detail.endsWith('…')).toBe(true)
  })
})
