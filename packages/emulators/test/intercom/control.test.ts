import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { at, baseSeed, list, startHarness, type Harness } from './helpers.js'

async function control(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.em.url}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

describe('Intercom emulator: control API and data attributes', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness({ customDataAttributeLimit: 3 })
  })
  afterEach(async () => {
    await h.em.close()
  })

  it('seeds over HTTP, exposes state, counts and faults, and resets', async () => {
    const seed = {
      ...baseSeed(),
      contacts: [
        {
          id: '6762f0dd1bb69f9f2193bb83',
          role: 'user',
          name: 'Seeded',
          email: 's@example.com',
          phone: '+1 (415) 555-0100',
          externalId: null,
          createdAt: 1_700_000_000,
          updatedAt: 1_700_000_000,
          lastSeenAt: null,
        },
      ],
      conversations: [
        {
          id: '5001',
          contactId: '6762f0dd1bb69f9f2193bb83',
          createdAt: 1_700_000_000,
          state: 'open',
          adminAssigneeId: null,
          teamAssigneeId: null,
          body: 'seeded',
        },
      ],
    }
    expect((await control(h, 'POST', '/seed', seed)).status).toBe(200)
    expect((await control(h, 'POST', '/seed', { admins: 'nope' })).status).toBe(400)
    expect((await h.api('GET', '/contacts/6762f0dd1bb69f9f2193bb83')).status).toBe(200)
    const contacts = await control(h, 'GET', '/state/contacts')
    expect(list(contacts.body)).toHaveLength(1)
    expect((await control(h, 'GET', '/requests')).body).toMatchObject({
      byRoute: { 'GET /contacts/{contact_id}': { '200': 1 } },
    })
    expect(
      (await control(h, 'POST', '/faults', { match: 'GET /me', kind: 'status', status: 500, nth: [1] })).status,
    ).toBe(200)
    expect((await h.api('GET', '/me')).status).toBe(500)
    expect((await control(h, 'PUT', '/search-lag', { ms: 1000 })).status).toBe(200)
    expect((await control(h, 'GET', '/contract-violations')).body).toEqual([])
    await control(h, 'POST', '/reset')
    expect((await h.api('GET', '/contacts/6762f0dd1bb69f9f2193bb83')).status).toBe(404)
    expect(at((await control(h, 'GET', '/requests')).body, 'total')).toBe(1)
  })

  it('creates data attributes with the name, duplicate, type, options and limit rules', async () => {
    const create = (body: unknown) => h.api('POST', '/data_attributes', body)
    expect((await create({ name: 'Call tag: VIP', model: 'contact', data_type: 'string' })).status).toBe(400)
    expect((await create({ name: 'call_count', model: 'company', data_type: 'string' })).body).toMatchObject({
      errors: [
        {
          code: 'parameter_invalid',
          message:
            "You already have 'call_count' in your people data. To save this as new company data, use a different name.",
        },
      ],
    })
    expect((await create({ name: 'x', model: 'contact', data_type: 'text' })).body).toMatchObject({
      errors: [{ message: "Data Type isn't an option" }],
    })
    expect((await create({ name: 'x', model: 'conversation', data_type: 'string' })).status).toBe(400)
    expect(
      (await create({ name: 'tier', model: 'contact', data_type: 'options', options: [{ value: 'a' }] })).status,
    ).toBe(400)
    const ok = await create({
      name: 'tier',
      model: 'contact',
      data_type: 'options',
      options: [{ value: 'gold' }, { value: 'silver' }],
    })
    expect(ok.body).toMatchObject({
      type: 'data_attribute',
      name: 'tier',
      full_name: 'custom_attributes.tier',
      custom: true,
    })
    expect((await create({ name: 'last_call', model: 'contact', data_type: 'date' })).status).toBe(200)
    const limited = await create({ name: 'one_more', model: 'contact', data_type: 'string' })
    expect(at(limited.body, 'errors', 0, 'code')).toBe('custom_data_limit_reached')
    const listed = await h.api('GET', '/data_attributes?model=contact')
    expect(list(listed.body, 'data').some((a) => at(a, 'name') === 'tier')).toBe(true)
    const convAttrs = await h.api('GET', '/conversations/attributes')
    expect(list(convAttrs.body, 'data').map((a) => at(a, 'name'))).toEqual(['issue_type'])
    expect((await h.api('GET', '/conversations/attributes', undefined, { 'intercom-version': '2.14' })).status).toBe(
      400,
    )
  })
})
