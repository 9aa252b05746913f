import type { Server } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { aircallFixture, intercomFixture } from '../../src/listener/fixtures.js'
import { createIntakeServer, listenOn } from '../../src/listener/intake.js'
import { intercomSignature } from '../../src/listener/verify.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const TOKEN = 'aircall-webhook-token-abc'
const SECRET = 'intercom-client-secret-xyz'

let server: Server | undefined
let store: SqliteStateStore | undefined
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  store?.close()
  server = undefined
  store = undefined
})

const start = async (maxBodyBytes = 1_048_576): Promise<string> => {
  store = openStateStore(join(tempDir(), 'state.sqlite'))
  server = createIntakeServer({
    store: asyncSqliteStore(store),
    aircallWebhookToken: TOKEN,
    intercomClientSecret: SECRET,
    maxBodyBytes,
  })
  return listenOn(server, '127.0.0.1', 0)
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })

describe('webhook intake', () => {
  test('an Aircall event with the right token is committed, then acknowledged; a redelivery is stored once', async () => {
    const url = await start()
    const body = JSON.stringify(aircallFixture('call.ended', TOKEN, { callId: 42, timestamp: 1_790_000_000 }))
    const first = await post(`${url}/aircall`, body)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ ok: true, duplicate: false })
    const again = await post(`${url}/aircall`, body)
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true })
    const events = store!.queue.list()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      source: 'aircall',
      type: 'call.ended',
      subject: 'aircall:call:42',
      status: 'queued',
    })
    // The token is the webhook's secret: it is checked, never stored.
    expect(events[0]!.payload).not.toContain(TOKEN)
  })

  test('a wrong or missing Aircall token gets 401 and nothing is stored', async () => {
    const url = await start()
    const wrong = await post(`${url}/aircall`, JSON.stringify(aircallFixture('call.ended', 'not-the-token')))
    expect(wrong.status).toBe(401)
    const { token: _token, ...withoutToken } = aircallFixture('call.ended', TOKEN)
    expect((await post(`${url}/aircall`, JSON.stringify(withoutToken))).status).toBe(401)
    expect(store!.queue.list()).toEqual([])
  })

  test('an Intercom notification needs X-Hub-Signature over the raw body', async () => {
    const url = await start()
    const body = JSON.stringify(intercomFixture('conversation.admin.assigned', { notificationId: 'notif_1' }))
    const unsigned = await post(`${url}/intercom`, body)
    expect(unsigned.status).toBe(401)
    const badSignature = await post(`${url}/intercom`, body, {
      'x-hub-signature': intercomSignature(body, 'other-secret'),
    })
    expect(badSignature.status).toBe(401)
    // A body altered after signing fails too.
    const tampered = await post(`${url}/intercom`, body.replace('Billing', 'Billinh'), {
      'x-hub-signature': intercomSignature(body, SECRET),
    })
    expect(tampered.status).toBe(401)
    expect(store!.queue.list()).toEqual([])

    const signed = await post(`${url}/intercom`, body, { 'x-hub-signature': intercomSignature(body, SECRET) })
    expect(signed.status).toBe(200)
    expect(store!.queue.list()).toMatchObject([
      { source: 'intercom', identity: 'notif_1', type: 'conversation.admin.assigned' },
    ])
  })

  test('malformed JSON and unknown shapes get 400; other methods 405; HEAD 200; oversize 413', async () => {
    const url = await start(2048)
    expect((await post(`${url}/aircall`, '{"token":')).status).toBe(400)
    const wrongShape = await post(`${url}/aircall`, JSON.stringify({ token: TOKEN, hello: 'world' }))
    expect(wrongShape.status).toBe(400)
    expect(((await wrongShape.json()) as { error: string }).error).toContain('Not an Aircall webhook envelope')
    const notJson = '{"type":'
    expect(
      (await post(`${url}/intercom`, notJson, { 'x-hub-signature': intercomSignature(notJson, SECRET) })).status,
    ).toBe(400)
    expect((await fetch(`${url}/aircall`)).status).toBe(405)
    expect((await fetch(`${url}/intercom`, { method: 'PUT', body: '{}' })).status).toBe(405)
    expect((await fetch(`${url}/intercom`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetch(`${url}/nowhere`, { method: 'POST', body: '{}' })).status).toBe(404)
    const big = JSON.stringify({ ...aircallFixture('call.ended', TOKEN), padding: 'x'.repeat(4096) })
    expect((await post(`${url}/aircall`, big)).status).toBe(413)
    expect(store!.queue.list()).toEqual([])
    const health = await fetch(`${url}/healthz`)
    expect(await health.json()).toEqual({ ok: true, queued: 0, processing: 0, dead: 0 })
  })
})
