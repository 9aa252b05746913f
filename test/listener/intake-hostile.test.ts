import type { Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { aircallFixture, intercomFixture } from '../../src/listener/fixtures.js'
import { createIntakeServer, listenOn, type IntakeEvent, type IntakeOptions } from '../../src/listener/intake.js'
import { intercomSignature } from '../../src/listener/verify.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const TOKEN = 'aircall-webhook-token-abc'
const SECRET = 'intercom-client-secret-xyz'

let server: Server | undefined
let store: SqliteStateStore | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  if (server) {
    const closing = new Promise((resolve) => server!.close(resolve))
    server.closeAllConnections()
    await closing
  }
  store?.close()
  server = undefined
  store = undefined
})

const start = async (options: Partial<IntakeOptions> = {}): Promise<string> => {
  store = openStateStore(join(tempDir(), 'state.sqlite'))
  server = createIntakeServer({
    store: asyncSqliteStore(store),
    aircallWebhookToken: TOKEN,
    intercomClientSecret: SECRET,
    maxBodyBytes: 1_048_576,
    ...options,
  })
  return listenOn(server, '127.0.0.1', 0)
}

const JSON_TYPE = { 'content-type': 'application/json' }
const post = (url: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = JSON_TYPE) =>
  fetch(url, { method: 'POST', body, headers, duplex: 'half' })
const errorOf = async (response: Response): Promise<string> => ((await response.json()) as { error: string }).error
const stored = (): number => store!.queue.list().length

/** A raw TCP connection to the intake, for what fetch will not do (slow headers, lies about the length). */
const open = (url: string): Promise<Socket> => {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket))
    sockets.push(socket)
    socket.once('error', reject)
  })
}

/** Everything the server sent, once the server has closed the connection. */
const closedByServer = (socket: Socket): Promise<string> =>
  new Promise((resolve) => {
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.once('close', () => resolve(received))
  })

/** Resolves once the bytes received so far contain `text` (the response arrived; the socket may stay open). */
const received = (socket: Socket, text: string): Promise<string> =>
  new Promise((resolve) => {
    let seen = ''
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1')
      if (!seen.includes(text)) return
      socket.off('data', onData)
      resolve(seen)
    }
    socket.on('data', onData)
  })

/** Writes `frame` whenever the socket can take more, until the server closes it: a sender that never stops. */
const flood = (socket: Socket, frame: Buffer): void => {
  const pump = (): void => {
    while (!socket.destroyed && socket.write(frame));
    if (!socket.destroyed) socket.once('drain', pump)
  }
  pump()
}

const call = (callId: number, data: Record<string, unknown> = {}) => {
  const body = aircallFixture('call.ended', TOKEN, { callId, timestamp: 1_795_100_000 + callId })
  return { ...body, data: { ...(body.data as Record<string, unknown>), ...data } }
}

describe('deeply nested JSON (item 2)', () => {
  test('a valid token with 100,000 nested arrays gets 400, not a stack overflow; nothing is stored', async () => {
    const url = await start()
    const deep = JSON.stringify(call(1)).replace('"cost":"0.0"', `"cost":${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    const response = await post(`${url}/aircall`, deep)
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toBe('JSON nested deeper than 64 levels')
    const signed = `{"type":"notification_event","data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`
    const intercom = await post(`${url}/intercom`, signed, {
      ...JSON_TYPE,
      'x-hub-signature': intercomSignature(signed, SECRET),
    })
    expect(intercom.status).toBe(400)
    expect(stored()).toBe(0)
  })

  test('the limit counts structure only: brackets in strings pass, and the configured depth itself is allowed', async () => {
    const url = await start({ limits: { maxJsonDepth: 8 } })
    const inText = call(2, { comments: [{ content: `\\"${'['.repeat(5_000)}"` }] })
    expect((await post(`${url}/aircall`, JSON.stringify(inText))).status).toBe(200)
    // The fixture's deepest point is data.teams[0] (depth 4); data.extra at depth 2 plus 6 arrays reaches exactly 8.
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)])
    expect((await post(`${url}/aircall`, JSON.stringify(call(3, { extra: nested(6) })))).status).toBe(200)
    expect((await post(`${url}/aircall`, JSON.stringify(call(4, { extra: nested(7) })))).status).toBe(400)
    expect(stored()).toBe(2)
  })
})

describe('oversized bodies (item 3)', () => {
  const tenMegabytes = (): ReadableStream<Uint8Array> =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"token":"'))
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(1_000_000).fill(0x61))
        controller.enqueue(new TextEncoder().encode('"}'))
        controller.close()
      },
    })

  test('a 10 MB chunked body (no Content-Length) gets 413 with Connection: close, and the intake keeps serving', async () => {
    const url = await start()
    for (const path of ['/aircall', '/intercom']) {
      const headers = path === '/intercom' ? { ...JSON_TYPE, 'x-hub-signature': 'sha1=00' } : JSON_TYPE
      const response = await post(`${url}${path}`, tenMegabytes(), headers)
      expect(response.status).toBe(413)
      expect(response.headers.get('connection')).toBe('close')
      expect(await errorOf(response)).toBe('body larger than 1048576 bytes')
    }
    expect(stored()).toBe(0)
    expect((await post(`${url}/aircall`, JSON.stringify(call(5)))).status).toBe(200)
  })

  test('a sender that never stops is answered 413 first, then cut off once the drain limit is read', async () => {
    const url = await start({ maxBodyBytes: 4096, limits: { drainLimitBytes: 65_536 } })
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write(
      'POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    flood(socket, Buffer.from(`4000\r\n${'a'.repeat(0x4000)}\r\n`))
    expect(await closed).toMatch(/^HTTP\/1\.1 413 .*\r\n[\s\S]*connection: close/i)
  })

  test('a declared Content-Length over the limit is refused before the body is sent', async () => {
    const url = await start({ maxBodyBytes: 4096 })
    const socket = await open(url)
    socket.write(
      'POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n',
    )
    expect(await received(socket, '"error"')).toMatch(/^HTTP\/1\.1 413 /)
    // A client that asks first (Expect: 100-continue, as curl does for large bodies) is told no before it sends.
    const asking = await open(url)
    asking.write(
      'POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n',
    )
    const answer = await received(asking, '"error"')
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).not.toContain('100 Continue')
  })

  test('Expect: 100-continue with an acceptable request gets 100 Continue, then the event is stored', async () => {
    const url = await start()
    const body = JSON.stringify(call(6))
    const socket = await open(url)
    socket.write(
      `POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    )
    await received(socket, '100 Continue')
    socket.write(body)
    expect(await received(socket, '"ok":true')).toContain('HTTP/1.1 200')
    expect(stored()).toBe(1)
  })
})

describe('content type and required fields (item 4)', () => {
  test('a valid token with a body that is not declared JSON gets 415; JSON with a charset or +json is accepted', async () => {
    const url = await start()
    const body = (n: number) => JSON.stringify(call(n))
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      const response = await post(`${url}/aircall`, body(10), { 'content-type': type })
      expect(response.status).toBe(415)
      expect(await errorOf(response)).toContain('application/json')
    }
    const untyped = await fetch(`${url}/aircall`, { method: 'POST', body: new TextEncoder().encode(body(10)) })
    expect(untyped.status).toBe(415)
    expect(stored()).toBe(0)
    expect((await post(`${url}/aircall`, body(11), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(
      200,
    )
    expect(
      (await post(`${url}/aircall`, body(12), { 'content-type': 'Application/JSON;Charset="UTF-8"' })).status,
    ).toBe(200)
    expect((await post(`${url}/aircall`, body(13), { 'content-type': 'application/vnd.aircall+json' })).status).toBe(
      200,
    )
    expect(stored()).toBe(3)
  })

  test('authentication is answered first: a wrong token or signature gets 401 whatever the content type', async () => {
    const url = await start()
    const wrong = JSON.stringify(aircallFixture('call.ended', 'not-the-token'))
    expect((await post(`${url}/aircall`, wrong, { 'content-type': 'text/plain' })).status).toBe(401)
    const notification = JSON.stringify(intercomFixture('contact.user.updated', { notificationId: 'notif_ct' }))
    const badlySigned = { 'content-type': 'text/plain', 'x-hub-signature': intercomSignature(notification, 'other') }
    expect((await post(`${url}/intercom`, notification, badlySigned)).status).toBe(401)
    const signed = { 'content-type': 'text/plain', 'x-hub-signature': intercomSignature(notification, SECRET) }
    expect((await post(`${url}/intercom`, notification, signed)).status).toBe(415)
    expect(stored()).toBe(0)
  })

  test('a call.ended whose data is a bare {id} gets 400 naming the missing fields; nothing is stored', async () => {
    const url = await start()
    const bare = { resource: 'call', event: 'call.ended', timestamp: 1_795_100_100, token: TOKEN, data: { id: 77 } }
    const response = await post(`${url}/aircall`, JSON.stringify(bare))
    expect(response.status).toBe(400)
    const error = await errorOf(response)
    expect(error).toContain('data.direction is required')
    expect(error).toContain('data.started_at is required')
    expect(error).toContain('data.raw_digits is required')
    const nullDirection = await post(`${url}/aircall`, JSON.stringify(call(78, { direction: null })))
    expect(await errorOf(nullDirection)).toContain('data.direction is required')
    expect(stored()).toBe(0)
  })

  test('what Aircall leaves null or out stays accepted: an unanswered call, a live call, events outside the call family', async () => {
    const url = await start()
    const unanswered = call(80, {
      answered_at: null,
      user: null,
      contact: null,
      missed_call_reason: 'no_available_agent',
    })
    expect((await post(`${url}/aircall`, JSON.stringify(unanswered))).status).toBe(200)
    // A live call has no end yet; a call.created may come without started_at (the envelope's timestamp is used).
    const created = aircallFixture('call.created', TOKEN, { callId: 81, timestamp: 1_795_100_081 })
    const { started_at: _startedAt, ...live } = created.data as Record<string, unknown>
    expect((await post(`${url}/aircall`, JSON.stringify({ ...created, data: live }))).status).toBe(200)
    const other = {
      resource: 'number',
      event: 'number.closed',
      timestamp: 1_795_100_082,
      token: TOKEN,
      data: { id: 5 },
    }
    expect((await post(`${url}/aircall`, JSON.stringify(other))).status).toBe(200)
    expect(stored()).toBe(3)
  })
})

describe('slow and idle connections (item 5)', () => {
  /** Sends the start of a request, then one more header line every few ms: a slowloris never finishes its headers. */
  const slowHeaders = async (url: string): Promise<string> => {
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write('POST /aircall HTTP/1.1\r\nHost: intake\r\n')
    let n = 0
    const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${n++}: 1\r\n`), 10)
    try {
      return await closed
    } finally {
      clearInterval(drip)
    }
  }

  test('sockets that send their headers slowly are closed by the server (408), and it keeps answering', async () => {
    const url = await start({ limits: { headersTimeoutMs: 150, requestTimeoutMs: 300 } })
    const answers = await Promise.all(Array.from({ length: 60 }, () => slowHeaders(url)))
    for (const answer of answers) expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  test('a body trickled slower than the request timeout is cut off without being stored', async () => {
    const url = await start({ limits: { headersTimeoutMs: 150, requestTimeoutMs: 300 } })
    const body = JSON.stringify(call(90))
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write(
      `POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    )
    let offset = 0
    const drip = setInterval(
      () => socket.writable && offset < body.length - 1 && socket.write(body[offset++] ?? ''),
      10,
    )
    try {
      expect(await closed).toMatch(/^(HTTP\/1\.1 408 |$)/)
    } finally {
      clearInterval(drip)
    }
    expect(stored()).toBe(0)
  })

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const url = await start({ limits: { keepAliveTimeoutMs: 100 } })
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write('GET /healthz HTTP/1.1\r\nHost: intake\r\n\r\n')
    expect(await closed).toMatch(/^HTTP\/1\.1 200 .*\r\n[\s\S]*"ok":true/)
  })

  test('connections past maxConnections are dropped; the ones already open keep working', async () => {
    const url = await start({ limits: { maxConnections: 3 } })
    const held = await Promise.all([open(url), open(url), open(url)])
    // One request on each makes sure the server has accepted (and counted) all three.
    for (const socket of held) {
      socket.write('GET /healthz HTTP/1.1\r\nHost: intake\r\n\r\n')
      await received(socket, '"ok":true')
    }
    const extra = await open(url)
    expect(await closedByServer(extra)).toBe('')
    held[0].write('GET /healthz HTTP/1.1\r\nHost: intake\r\n\r\n')
    expect(await received(held[0], '"ok":true')).toContain('HTTP/1.1 200')
  })

  test('an Intercom request without X-Hub-Signature is refused before its body is read', async () => {
    const url = await start()
    const socket = await open(url)
    socket.write(
      'POST /intercom HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n',
    )
    const answer = await received(socket, '"error"')
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(answer).toContain('missing X-Hub-Signature')
  })

  test('the listener.* keys have sane defaults and are validated', () => {
    expect(configSchema.parse({}).listener).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 512,
    })
    expect(configSchema.safeParse({ listener: { maxConnections: 0 } }).success).toBe(false)
    expect(configSchema.safeParse({ listener: { headersTimeoutMs: 'soon' } }).success).toBe(false)
  })
})

describe('rejection logging (item 7)', () => {
  test('unauthenticated floods are logged as one line per cause per interval, with the count', async () => {
    const due: Array<() => void> = []
    const events: IntakeEvent[] = []
    const url = await start({
      maxBodyBytes: 4096,
      onEvent: (event) => events.push(event),
      schedule: (fn) => {
        due.push(fn)
        return () => due.splice(due.indexOf(fn), 1)
      },
    })
    const wrong = JSON.stringify(aircallFixture('call.ended', 'not-the-token'))
    for (let i = 0; i < 40; i++) expect((await post(`${url}/aircall`, wrong)).status).toBe(401)
    for (let i = 0; i < 3; i++) expect((await post(`${url}/aircall`, 'x'.repeat(5000))).status).toBe(413)
    expect(events).toEqual([
      { type: 'rejected', source: 'aircall', status: 401, reason: 'invalid webhook token', count: 1 },
      { type: 'rejected', source: 'aircall', status: 413, reason: 'body larger than 4096 bytes', count: 1 },
    ])
    for (const fn of due.splice(0)) fn()
    expect(events.slice(2)).toEqual([
      expect.objectContaining({ status: 401, count: 39, reason: 'invalid webhook token (39 more in the last 10 s)' }),
      expect.objectContaining({ status: 413, count: 2, reason: 'body too large (2 more in the last 10 s)' }),
    ])
  })

  test('a sender that hangs up mid-body is not a rejection, and the intake keeps serving', async () => {
    const events: IntakeEvent[] = []
    const url = await start({ onEvent: (event) => events.push(event) })
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write(
      'POST /aircall HTTP/1.1\r\nHost: intake\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":',
    )
    // Once the server is reading the body, the sender goes away.
    await new Promise<void>((resolve) => server!.once('request', () => resolve()))
    socket.destroy()
    await closed
    expect((await post(`${url}/aircall`, JSON.stringify(call(95)))).status).toBe(200)
    expect(events.map((event) => event.type)).toEqual(['accepted'])
  })

  test('slow connections closed by the timeouts are counted too', async () => {
    const events: IntakeEvent[] = []
    const url = await start({
      limits: { headersTimeoutMs: 100, requestTimeoutMs: 200 },
      onEvent: (e) => events.push(e),
    })
    const socket = await open(url)
    const closed = closedByServer(socket)
    socket.write('POST /aircall HTTP/1.1\r\n')
    await closed
    expect(events).toEqual([expect.objectContaining({ type: 'rejected', source: null, status: 408, count: 1 })])
  })
})
