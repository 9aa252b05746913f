import { describe, expect, it } from 'vitest'

import { parseAircallEvent } from '../../src/aircall/webhook-events.js'
import {
  ECHO_KINDS,
  ORIGIN_MARKER,
  echoCandidates,
  fingerprintOf,
  hasOriginMarker,
  isOwnEcho,
  type WriteDescriptor,
} from '../../src/rules/loop-guard.js'
import { intercomEvent, part } from './intercom-events.js'

const OWN = '999'

describe('fingerprintOf', () => {
  const write: WriteDescriptor = {
    service: 'intercom',
    kind: 'conversation.tag',
    targetId: '1',
    payload: { a: 1, b: [1, { y: 2, x: 1 }] },
  }

  it('is a sha256 hex string, stable under key order and undefined members', () => {
    const fingerprint = fingerprintOf(write)
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(fingerprintOf({ ...write, payload: { b: [1, { x: 1, y: 2 }], a: 1, c: undefined } })).toBe(fingerprint)
  })

  it.each([
    ['service', { ...write, service: 'aircall' as const }],
    ['kind', { ...write, kind: 'contact.tag' }],
    ['target', { ...write, targetId: '2' }],
    ['payload value', { ...write, payload: { a: 2, b: [1, { y: 2, x: 1 }] } }],
    ['array order', { ...write, payload: { a: 1, b: [{ y: 2, x: 1 }, 1] } }],
  ])('changes with the %s', (_name, other) => {
    expect(fingerprintOf(other)).not.toBe(fingerprintOf(write))
  })
})

describe('origin marker', () => {
  it.each([
    [`<p>Call logged</p>${ORIGIN_MARKER}`, true],
    ['<p>Call logged<span data-aircall-intercom="origin"></span></p>', true],
    ['Call logged\u2063\u200b\u2063', true],
    ['<p>Call logged</p>', false],
    ['', false],
    [null, false],
  ])('%j → %s', (body, expected) => {
    expect(hasOriginMarker(body)).toBe(expected)
  })

  it('is invisible once tags are stripped', () => {
    expect(ORIGIN_MARKER.replace(/<[^>]*>/g, '').trim()).toMatch(/^[\u2063\u200b]+$/)
  })
})

describe('isOwnEcho', () => {
  const recorded = new Set<string>()
  const tagWrite = (conversationId: string, tag: string) =>
    fingerprintOf({ service: 'intercom', kind: ECHO_KINDS.conversationTag, targetId: conversationId, payload: { tag } })
  recorded.add(tagWrite('c1', 'vip'))
  recorded.add(
    fingerprintOf({
      service: 'intercom',
      kind: ECHO_KINDS.conversationAssign,
      targetId: 'c2',
      payload: { adminId: '12', teamId: null },
    }),
  )
  recorded.add(fingerprintOf({ service: 'intercom', kind: ECHO_KINDS.contactUpdate, targetId: 'u1', payload: null }))
  const fingerprints = (fp: string) => recorded.has(fp)

  it.each([
    [
      'authored by our admin',
      intercomEvent('conversation.admin.assigned', { id: 'c9', conversation_parts: part(OWN) }),
      { echo: true, why: 'own-admin' },
    ],
    [
      'a note carrying our marker',
      intercomEvent('conversation.admin.noted', {
        id: 'c9',
        conversation_parts: part('5', { body: `x${ORIGIN_MARKER}` }),
      }),
      { echo: true, why: 'origin-marker' },
    ],
    [
      'a tag we wrote (any case)',
      intercomEvent('conversation_part.tag.created', { id: 'c1', tags_added: { tags: [{ name: 'VIP' }] } }),
      { echo: true, why: 'fingerprint' },
    ],
    [
      'a tag we wrote plus one we did not',
      intercomEvent('conversation_part.tag.created', {
        id: 'c1',
        tags_added: { tags: [{ name: 'VIP' }, { name: 'x' }] },
      }),
      { echo: false },
    ],
    [
      'an assignment we made',
      intercomEvent('conversation.admin.assigned', { id: 'c2', admin_assignee_id: '12' }),
      { echo: true, why: 'fingerprint' },
    ],
    [
      'a different assignment on the same conversation',
      intercomEvent('conversation.admin.assigned', { id: 'c2', admin_assignee_id: '13' }),
      { echo: false },
    ],
    ['a contact we updated', intercomEvent('contact.lead.updated', { id: 'u1' }), { echo: true, why: 'fingerprint' }],
    [
      'a human note',
      intercomEvent('conversation.admin.noted', { id: 'c1', conversation_parts: part('5', { body: 'hi' }) }),
      { echo: false },
    ],
    ['a ping', intercomEvent('ping', { message: 'hi' }), { echo: false }],
  ])('%s', (_name, event, verdict) => {
    expect(isOwnEcho({ event, ownAdminId: OWN, fingerprints })).toEqual(verdict)
  })

  it('recognises an Aircall comment we posted', () => {
    const body = (comments: string[]) => ({
      resource: 'call',
      event: 'call.commented',
      timestamp: 1,
      token: 't',
      data: { id: 5, started_at: 0, comments: comments.map((content) => ({ content })) },
    })
    expect(
      isOwnEcho({ event: parseAircallEvent(body([`Logged${ORIGIN_MARKER}`])), ownAdminId: OWN, fingerprints }),
    ).toEqual({
      echo: true,
      why: 'origin-marker',
    })
    expect(
      isOwnEcho({ event: parseAircallEvent(body([`Logged${ORIGIN_MARKER}`, 'human'])), ownAdminId: OWN, fingerprints }),
    ).toEqual({
      echo: false,
    })
  })
})

describe('echoCandidates', () => {
  it('describes writes the way services record them', () => {
    expect(
      echoCandidates(intercomEvent('contact.user.tag.created', { tag: { name: ' Gold ' }, contact: { id: 'u2' } })),
    ).toEqual([{ service: 'intercom', kind: 'contact.tag', targetId: 'u2', payload: { tag: 'gold' } }])
    expect(echoCandidates(intercomEvent('conversation.admin.closed', { id: 'c3' }))).toEqual([
      { service: 'intercom', kind: 'conversation.close', targetId: 'c3', payload: null },
    ])
  })
})
