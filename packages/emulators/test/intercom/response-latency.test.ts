import { afterEach, describe, expect, it } from 'vitest'
import { matches, parseFaultRules } from '../../src/common/faults.js'
import { at, startHarness, TOKEN, type Harness } from './helpers.js'

const contactsWith = (h: Harness, phone: string): number =>
  (h.em.state().contacts as Array<{ phone?: string | null }>).filter((contact) => contact.phone === phone).length

describe('Intercom emulator: latency after handling', () => {
  let h: Harness
  afterEach(async () => {
    await h.em.close()
  })

  it('writes the contact first and answers late; a client that gives up meets a create that landed', async () => {
    h = await startHarness()
    h.em.setFaults([{ match: 'POST /contacts$', kind: 'latency', latencyMs: 60_000, phase: 'after', limit: 1 }])
    const controller = new AbortController()
    const pending = fetch(`${h.em.url}/contacts`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'lead', phone: '+33699000001' }),
    })
    const failed = pending.then(
      () => 'answered',
      () => 'aborted',
    )
    // The contact exists while its answer is still held back.
    for (let i = 0; i < 200 && contactsWith(h, '+33699000001') === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(contactsWith(h, '+33699000001')).toBe(1)
    controller.abort()
    expect(await failed).toBe('aborted')

    // The rule is spent and searches never matched it ("$" is the exact path): the next create answers at once.
    const search = await h.api('POST', '/contacts/search', { query: { field: 'phone', operator: '=', value: 'x' } })
    expect(search.status).toBe(200)
    const next = await h.api('POST', '/contacts', { role: 'lead', phone: '+33699000002' })
    expect(next.status).toBe(200)
    expect(at(next.body, 'phone')).toBe('+33699000002')
    expect(h.em.faults().map((fault) => [fault.seen, fault.hits])).toEqual([[2, 1]])
  })

  it('a "before" latency holds the request: nothing is written until it is handled', async () => {
    h = await startHarness()
    h.em.setFaults([{ match: 'POST /contacts$', kind: 'latency', latencyMs: 1_000, limit: 1 }])
    const answered = h.api('POST', '/contacts', { role: 'lead', phone: '+33699000003' })
    // The rule fired (the request is being held): the contact is not there yet.
    for (let i = 0; i < 200 && h.em.faults()[0]?.hits !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(h.em.faults()[0]?.hits).toBe(1)
    expect(contactsWith(h, '+33699000003')).toBe(0)
    expect((await answered).status).toBe(200)
    expect(contactsWith(h, '+33699000003')).toBe(1)
  })

  it('parses and matches the new options', () => {
    expect(matches('POST /contacts$', 'POST', '/contacts')).toBe(true)
    expect(matches('POST /contacts$', 'POST', '/contacts/search')).toBe(false)
    expect(matches('/contacts$', 'GET', '/contacts')).toBe(true)
    expect(parseFaultRules({ match: '*', kind: 'latency', latencyMs: 5, phase: 'after' })).toEqual([
      { match: '*', kind: 'latency', latencyMs: 5, phase: 'after' },
    ])
    expect(parseFaultRules({ match: '*', kind: 'latency', phase: 'later' })).toBe('rule.phase must be before or after')
  })
})
