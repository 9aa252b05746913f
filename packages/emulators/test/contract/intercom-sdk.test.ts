/**
 * The official Intercom Node SDK (`intercom-client`, unchanged) drives the Intercom emulator over loopback HTTP: what
 * an integration written against the SDK would send (`Accept: *` + `/*`, its own paths, query strings and cursors)
 * must work here as it does against Intercom. Once with the SDK's defaults (Intercom-Version 2.14, the `environment`
 * option), once on 2.16 (the `baseUrl` option) with every request and response checked against the OpenAPI subset.
 */
import { readFileSync } from 'node:fs'
import { IntercomClient, IntercomError } from 'intercom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { ContractValidator } from '../../src/intercom/contract.js'
import { ADMIN, OTHER_ADMIN, at, startHarness, TOKEN, type Harness } from '../intercom/helpers.js'

const subsetUrl = new URL('../../contract/intercom-openapi-2.16-subset.json', import.meta.url)

/**
 * The committed subset lacks `GET /contacts` (ListContacts); its 2.16 answer is `contact_list`, a component the subset
 * already holds, so that operation is added here to check the list pages against the official schema.
 */
function validatorWithListContacts(): ContractValidator {
  const doc = JSON.parse(readFileSync(subsetUrl, 'utf8')) as {
    paths: Record<string, Record<string, unknown>>
  }
  const json = (ref: string): unknown => ({ content: { 'application/json': { schema: { $ref: ref } } } })
  doc.paths['/contacts'] = {
    ...doc.paths['/contacts'],
    get: { responses: { '200': json('#/components/schemas/contact_list'), '401': json('#/components/schemas/error') } },
  }
  return new ContractValidator(doc)
}

type Mode = { name: string; version: '2.14' | '2.16' }
const MODES: Mode[] = [
  { name: 'with its defaults (Intercom-Version 2.14, environment option)', version: '2.14' },
  { name: 'on Intercom-Version 2.16 (baseUrl option), every body checked against the OpenAPI subset', version: '2.16' },
]

describe('the official Intercom SDK (intercom-client) against the Intercom emulator', () => {
  let h: Harness
  afterEach(async () => {
    await h.em.close()
  })

  const sdk = (mode: Mode): IntercomClient =>
    mode.version === '2.14'
      ? new IntercomClient({ token: TOKEN, environment: h.em.url, maxRetries: 0 })
      : // The SDK's version option stops at 2.14; its documented `headers` option overrides the header it sends.
        new IntercomClient({ token: TOKEN, baseUrl: h.em.url, maxRetries: 0, headers: { 'Intercom-Version': '2.16' } })

  for (const mode of MODES) {
    it(`works ${mode.name}: admins, contacts, conversations, notes, tags, data attributes, lists`, async () => {
      h = await startHarness({ contract: 'record', formattedPhoneDefaultCountry: 'FR' })
      const client = sdk(mode)

      const admins = await client.admins.list()
      expect((admins.admins ?? []).map((a) => a?.id).sort()).toEqual([ADMIN, OTHER_ADMIN].sort())

      const ada = await client.contacts.create({
        role: 'user',
        email: 'ada@example.com',
        phone: '+33612345678',
        name: 'Ada',
        custom_attributes: { call_count: 1 },
      })
      h.clock.advance(1000)
      const leads = []
      for (const phone of ['+33612345679', '+33612345680']) {
        leads.push(await client.contacts.create({ role: 'lead', phone }))
        h.clock.advance(1000)
      }

      const byPhone = await client.contacts.search({ query: { field: 'phone', operator: '=', value: '+33612345678' } })
      expect(byPhone.data.map((c) => c.id)).toEqual([ada.id])
      // One lead a page: the SDK follows `pages.next.starting_after` in the body until there is no next page.
      const leadPages = await client.contacts.search({
        query: { field: 'role', operator: '=', value: 'lead' },
        pagination: { per_page: 1 },
      })
      const leadIds: string[] = []
      for await (const lead of leadPages) leadIds.push(lead.id)
      expect(leadIds.sort()).toEqual(leads.map((l) => l.id).sort())

      const updated = await client.contacts.update({
        contact_id: ada.id,
        name: 'Ada Lovelace',
        custom_attributes: { call_count: 2 },
      })
      expect(updated).toMatchObject({ id: ada.id, name: 'Ada Lovelace', custom_attributes: { call_count: 2 } })

      const message = await client.conversations.create({
        from: { type: 'user', id: ada.id },
        body: 'Called about billing',
      })
      const conversationId = message.conversation_id ?? ''
      expect(conversationId).not.toBe('')
      const noted = await client.conversations.reply({
        conversation_id: conversationId,
        body: { message_type: 'note', type: 'admin', admin_id: ADMIN, body: 'Aircall: inbound call, 2 min' },
      })
      const parts = noted.conversation_parts?.conversation_parts ?? []
      expect(parts.map((p) => [p.part_type, p.body])).toContainEqual(['note', '<p>Aircall: inbound call, 2 min</p>'])

      const tag = await client.tags.create({ name: 'Aircall' })
      expect(await client.tags.tagContact({ contact_id: ada.id, id: tag.id })).toMatchObject({ id: tag.id })
      expect(
        await client.tags.tagConversation({ conversation_id: conversationId, id: '81', admin_id: ADMIN }),
      ).toMatchObject({ id: '81', name: 'VIP' })

      const attributes = await client.dataAttributes.list({ model: 'contact' })
      expect((attributes.data ?? []).map((a) => a.name)).toContain('call_count')

      const conversation = await client.conversations.update({
        conversation_id: conversationId,
        custom_attributes: { issue_type: 'Billing' },
      })
      expect(conversation.custom_attributes).toMatchObject({ issue_type: 'Billing' })

      // GET /contacts, two a page: the SDK pages with `starting_after` in the query string.
      const listed = await client.contacts.list({ per_page: 2 })
      expect(listed.data.map((c) => c.id)).toEqual([ada.id, leads[0]?.id])
      expect(listed.hasNextPage()).toBe(true)
      const everyone: string[] = []
      for await (const contact of listed) everyone.push(contact.id)
      expect(everyone).toEqual([ada.id, ...leads.map((l) => l.id)])

      // What the SDK wrote is what the workspace holds.
      const stored = await h.api('GET', `/contacts/${ada.id}`, undefined, { 'intercom-version': mode.version })
      expect(at(stored.body, 'tags', 'data', 0, 'id')).toBe(tag.id)
      const storedConversation = await h.api('GET', `/conversations/${conversationId}`)
      expect(at(storedConversation.body, 'tags', 'tags', 0, 'name')).toBe('VIP')

      const statuses = Object.entries(h.em.requestCounts().byRoute).flatMap(([route, byStatus]) =>
        Object.keys(byStatus).map((status) => `${route} ${status}`),
      )
      expect(statuses.filter((s) => !s.endsWith(' 200'))).toEqual([])
      expect(statuses).toContain('GET /contacts 200')
      if (mode.version === '2.16') {
        expect(h.em.contractViolations()).toEqual([])
        const validator = validatorWithListContacts()
        const page = await h.api('GET', '/contacts?per_page=2')
        expect(validator.validateResponse({ method: 'GET', path: '/contacts' }, 200, page.body)).toBeNull()
        const last = await h.api(
          'GET',
          `/contacts?per_page=2&starting_after=${String(at(page.body, 'pages', 'next', 'starting_after'))}`,
        )
        expect(validator.validateResponse({ method: 'GET', path: '/contacts' }, 200, last.body)).toBeNull()
        const refused = await h.api('GET', '/contacts', undefined, { authorization: 'Bearer nope' })
        expect(validator.validateResponse({ method: 'GET', path: '/contacts' }, 401, refused.body)).toBeNull()
      }
    })
  }

  it('surfaces the emulator errors as the SDK types them: 401, and 404 with the error list', async () => {
    h = await startHarness()
    const wrong = new IntercomClient({ token: 'nope', baseUrl: h.em.url, maxRetries: 0 })
    const unauthorized = await wrong.admins.list().catch((e: unknown) => e)
    expect(unauthorized).toBeInstanceOf(IntercomError)
    expect(unauthorized).toMatchObject({ statusCode: 401, body: { errors: [{ code: 'unauthorized' }] } })
    const client = new IntercomClient({ token: TOKEN, baseUrl: h.em.url, maxRetries: 0 })
    const missing = await client.contacts.find({ contact_id: '0123456789abcdef01234567' }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ statusCode: 404, body: { errors: [{ code: 'not_found' }] } })
  })
})
