import { createHmac, randomUUID } from 'node:crypto'

import { describe, expect, test } from 'vitest'

import { openStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, useListenerCleanup, type Harness } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

const PHONE = '+33 6 12 98 76 54'
const E164 = '+33612987654'

async function intercomRest(harness: Harness, method: string, path: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${harness.sandbox.intercom.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${harness.sandbox.intercom.accessToken}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Intercom-Version': '2.16',
    },
    body: JSON.stringify(body),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as { id: string }
}

/** A notification as Intercom signs it (X-Hub-Signature: HMAC-SHA1 of the body with the app's client secret). */
async function notify(harness: Harness, url: string, topic: string, item: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify({
    type: 'notification_event',
    app_id: 'app',
    id: `notif_${randomUUID()}`,
    topic,
    created_at: Math.floor(Date.now() / 1000),
    delivery_attempts: 1,
    first_sent_at: Math.floor(Date.now() / 1000),
    data: { type: 'notification_event_data', item },
  })
  const signature = createHmac('sha1', harness.sandbox.intercom.clientSecret).update(body).digest('hex')
  const response = await fetch(`${url}/intercom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': `sha1=${signature}` },
    body,
  })
  expect(response.status).toBe(200)
  await queueSettled(url)
}

const indexedFor = (harness: Harness): string[] => {
  const store = openStateStore(harness.statePath, { readonly: true })
  try {
    return store.contacts.findByPhone(E164).map((contact) => contact.contactId)
  } finally {
    store.close()
  }
}

describe('listen keeps the contact index as Intercom is, from contact.* webhooks (built CLI)', () => {
  test('a created contact is indexed, a merge forgets the lead and indexes the user, a deletion forgets it', async () => {
    const harness = await startHarness(tempDir(), { matching: { defaultCountry: 'FR' } }, { calls: 3 })
    const listener = spawnListen(harness)
    const url = await listener.url

    const lead = await intercomRest(harness, 'POST', '/contacts', { role: 'lead', phone: PHONE })
    await notify(harness, url, 'contact.lead.created', { type: 'contact', id: lead.id, role: 'lead' })
    expect(indexedFor(harness)).toEqual([lead.id])

    const user = await intercomRest(harness, 'POST', '/contacts', { role: 'user', phone: PHONE, email: 'a@b.example' })
    await intercomRest(harness, 'POST', '/contacts/merge', { from: lead.id, into: user.id })
    const item = { type: 'contact', id: user.id, role: 'user', merged_from: { type: 'contact', id: lead.id } }
    await notify(harness, url, 'contact.merged', item)
    expect(indexedFor(harness)).toEqual([user.id])

    await notify(harness, url, 'contact.deleted', { type: 'contact', id: user.id })
    expect(indexedFor(harness)).toEqual([])

    const listed = await runCli(['events', 'list', '--outcome', 'contact-index', '--json'], { env: harness.env })
    const events = (JSON.parse(listed.stdout) as { result: { events: Array<{ summary: string | null }> } }).result
      .events
    expect(events).toHaveLength(3)
    const statuses = events.map((event) => /contact-index:(\w+)/.exec(event.summary ?? '')?.[1]).sort()
    expect(statuses).toEqual(['indexed', 'indexed', 'removed'])
  }, 60_000)

  test('webhooks register lists the contact topics the index follows', async () => {
    const harness = await startHarness(tempDir())
    const run = await runCli(['webhooks', 'register', '--url', 'https://hooks.example.com', '--dry-run', '--json'], {
      env: harness.env,
    })
    expect(run.code, run.stderr).toBe(0)
    for (const topic of ['contact.lead.created', 'contact.merged', 'contact.deleted'])
      expect(run.stdout).toContain(topic)
  }, 60_000)
})
