import { createHmac } from 'node:crypto'
import type { Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { stringify } from 'yaml'
import { CsvExportSource } from '../../src/sources/csv-export.js'
import type { SourceWarning } from '../../src/sources/types.js'
import { ConfigError, loadConfig } from '../../src/config/loader.js'
import { safeParseAircallEvent } from '../../src/aircall/webhook-events.js'
import { safeParseIntercomEvent } from '../../src/intercom/webhook-events.js'
import { aircallFixture, intercomFixture } from '../../src/listener/fixtures.js'
import { createIntakeServer, listenOn } from '../../src/listener/intake.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'
import type { StateStore } from '../../src/store/state-store.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const TOKEN = 'whk_tok_5f1d2c3b4a69788796a5b4c3'
const SECRET = 'cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'
const MAX_BODY = 32_768
const SEED = 20261124
const tempDir = useTempDir()

let server: Server
let store: StateStore
let url: string
beforeAll(async () => {
  store = asyncSqliteStore(openStateStore(join(tempDir(), 'intake.sqlite')))
  server = createIntakeServer({
    store,
    aircallWebhookToken: TOKEN,
    intercomClientSecret: SECRET,
    maxBodyBytes: MAX_BODY,
  })
  url = await listenOn(server, '127.0.0.1', 0)
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await store.close()
})

const sign = (body: string, secret = SECRET): string => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`
const storedEvents = async (): Promise<number> => (await store.queue.list({ limit: 1_000_000 })).length

const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') => {
  const response = await fetch(`${url}${path}`, {
    method,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
    headers,
  })
  const text = await response.text()
  for (const secret of [TOKEN, SECRET]) expect(text).not.toContain(secret)
  return { status: response.status, text }
}

/** Every stored event must parse as a valid event of its source: nothing invalid is kept. */
const expectStoreValid = async (): Promise<void> => {
  for (const event of await store.queue.list({ limit: 1_000_000 })) {
    const payload = JSON.parse(event.payload) as Record<string, unknown>
    const parsed =
      event.source === 'aircall' ? safeParseAircallEvent({ ...payload, token: TOKEN }) : safeParseIntercomEvent(payload)
    expect(parsed.ok).toBe(true)
    expect(event.payload).not.toContain(TOKEN)
  }
}

const fixtureBody = (n: number): Record<string, unknown> =>
  aircallFixture('call.ended', TOKEN, { callId: 9_000_000 + n, timestamp: 1_795_300_000 + n })

/** Paths inside a valid Aircall body whose value a generator replaces with a value of any type. */
const AIRCALL_PATHS = [
  ['event'],
  ['resource'],
  ['timestamp'],
  ['data'],
  ['data', 'id'],
  ['data', 'direction'],
  ['data', 'status'],
  ['data', 'started_at'],
  ['data', 'ended_at'],
  ['data', 'duration'],
  ['data', 'raw_digits'],
  ['data', 'number'],
  ['data', 'user'],
  ['data', 'tags'],
  ['data', 'comments'],
] as const

const setPath = (target: Record<string, unknown>, path: readonly string[], value: unknown): void => {
  let cursor = target
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string, unknown>
  cursor[path[path.length - 1] ?? ''] = value
}

describe('webhook intake refuses bad input with 4xx and stores nothing invalid', () => {
  test('random JSON, with no token, a wrong token or the right one', async () => {
    let accepted = 0
    const before = await storedEvents()
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('none', 'wrong', 'right'), async (value, token) => {
        const body =
          value !== null && typeof value === 'object' && !Array.isArray(value) && token !== 'none'
            ? { ...value, token: token === 'right' ? TOKEN : `${TOKEN}x` }
            : value
        const { status } = await post('/aircall', JSON.stringify(body) ?? 'null', {
          'content-type': 'application/json',
        })
        expect(status).toBeLessThan(500)
        if (status === 200) accepted++
        else expect([400, 401]).toContain(status)
      }),
      { seed: SEED, numRuns: 400 },
    )
    expect((await storedEvents()) - before).toBe(accepted)
    await expectStoreValid()
  })

  test('valid Aircall bodies with one field of the wrong type', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...AIRCALL_PATHS), fc.jsonValue(), async (path, value) => {
        const body = fixtureBody(n++)
        setPath(body, path, value)
        const { status } = await post('/aircall', JSON.stringify(body), { 'content-type': 'application/json' })
        expect([200, 400]).toContain(status)
      }),
      { seed: SEED, numRuns: 600 },
    )
    await expectStoreValid()
  })

  test('truncated bodies, huge fields and wrong content types', async () => {
    const before = await storedEvents()
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (n, cut) => {
        const text = JSON.stringify(fixtureBody(100_000 + n))
        const { status } = await post('/aircall', text.slice(0, cut % (text.length - 1)), {
          'content-type': 'application/json',
        })
        expect(status).toBe(400)
      }),
      { seed: SEED, numRuns: 300 },
    )
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_BODY, max: MAX_BODY * 4 }), async (size) => {
        const body = fixtureBody(200_000 + size)
        setPath(body, ['data', 'raw_digits'], '9'.repeat(size))
        const { status } = await post('/aircall', JSON.stringify(body), { 'content-type': 'application/json' })
        expect(status).toBe(413)
      }),
      { seed: SEED, numRuns: 20 },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
        ),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom('/aircall', '/intercom'),
        async (type, bytes, path) => {
          const { status } = await post(path, Buffer.from(bytes), { 'content-type': type })
          expect([400, 401]).toContain(status)
        },
      ),
      { seed: SEED, numRuns: 300 },
    )
    expect(await storedEvents()).toBe(before)
  })

  test('Intercom bodies with wrong, missing or foreign signatures, and signed garbage', async () => {
    const before = await storedEvents()
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('missing', 'random', 'other-secret', 'other-body', 'sha256', 'uppercase-prefix'),
        fc.hexaString({ minLength: 0, maxLength: 60 }),
        async (n, kind, hex) => {
          const body = JSON.stringify(intercomFixture('contact.user.updated', { notificationId: `notif_bad_${n}` }))
          const headers: Record<string, string> = { 'content-type': 'application/json' }
          if (kind === 'random') headers['x-hub-signature'] = `sha1=${hex}`
          if (kind === 'other-secret') headers['x-hub-signature'] = sign(body, `${SECRET}0`)
          if (kind === 'other-body') headers['x-hub-signature'] = sign(`${body} `)
          if (kind === 'sha256')
            headers['x-hub-signature'] = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
          if (kind === 'uppercase-prefix') headers['x-hub-signature'] = `SHA1=${hex}`
          const { status } = await post('/intercom', body, headers)
          expect(status).toBe(401)
        },
      ),
      { seed: SEED, numRuns: 400 },
    )
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string()), async (text) => {
        const { status } = await post('/intercom', text, {
          'content-type': 'application/json',
          'x-hub-signature': sign(text),
        })
        expect(status).toBeLessThan(500)
        expect(status).not.toBe(200)
      }),
      { seed: SEED, numRuns: 400 },
    )
    expect(await storedEvents()).toBe(before)
  })

  test('other methods and paths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.constantFrom('/aircall', '/intercom', '/', '/aircall/x', '/../etc/passwd', '/healthz'),
        async (method, path) => {
          const { status } = await post(path, '{}', { 'content-type': 'application/json' }, method)
          expect(status).toBeLessThan(500)
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
  })
})

describe('CSV import: garbage rows are reported by line, valid rows imported', () => {
  test('random garbage interleaved with valid rows', async () => {
    const garbage = fc.oneof(
      fc
        .string({ minLength: 1, maxLength: 12 })
        .map((s) => `bad id ${s.replace(/[",\r\n]/g, '')},2026-01-05 10:00:00,inbound,+33612345678,60`),
      fc
        .string({ maxLength: 12 })
        .map((s) => `${Math.abs(s.length) + 1},not a date ${s.replace(/[",\r\n]/g, '')},inbound,+33612345678,60`),
      fc.constant('77,2026-01-05 10:00:00,sideways,+33612345678,60'),
      fc.constant('78,2026-01-05 10:00:00,inbound,+33612345678,forever'),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(garbage, { freq: 2 }), { minLength: 1, maxLength: 40 }), async (rows) => {
        const lines = ['Call ID,Date (UTC),Direction,Raw digits,Duration']
        const validIds: string[] = []
        const badLines: number[] = []
        rows.forEach((row, index) => {
          if (row === null) {
            const id = String(1000 + index)
            validIds.push(id)
            lines.push(`${id},2026-01-05 10:${String(index % 60).padStart(2, '0')}:00,inbound,+33612345678,${index}`)
          } else {
            badLines.push(lines.length + 1)
            lines.push(row)
          }
        })
        const file = join(tempDir(), `calls-${rows.length}-${badLines.length}.csv`)
        writeFileSync(file, `${lines.join('\n')}\n`)
        const warnings: SourceWarning[] = []
        const imported: string[] = []
        for await (const window of new CsvExportSource({ file }).windows({
          resume: undefined,
          onWarning: (w) => warnings.push(w),
        })) {
          for await (const call of window.calls) imported.push(call.callId)
        }
        expect(imported).toEqual(validIds)
        const reported = warnings.flatMap((w) => (w.code === 'bad-row' ? [w.line] : []))
        expect(reported).toEqual(badLines)
      }),
      { seed: SEED, numRuns: 150 },
    )
  })
})

const CONFIG_SECRET = 'cfg_secret_value_0d9c8b7a6f5e'

/** Config documents with wrong types and unknown keys in every section. */
const badConfig = fc
  .record(
    {
      aircall: fc.record(
        {
          rateLimitPerMinute: fc.oneof(fc.string(), fc.integer({ min: 121 }), fc.boolean()),
          apiUrl: fc.oneof(fc.integer(), fc.constant('not a url')),
        },
        { requiredKeys: [] },
      ),
      intercom: fc.record(
        { concurrency: fc.oneof(fc.constant(0), fc.string()), region: fc.string(), adminId: fc.constant(-1) },
        { requiredKeys: [] },
      ),
      matching: fc.record(
        { defaultCountry: fc.oneof(fc.constant('fr'), fc.integer()), tieBreak: fc.constant(['nope']) },
        { requiredKeys: [] },
      ),
      listener: fc.record(
        { port: fc.oneof(fc.integer({ min: 65_536 }), fc.string()), maxBodyBytes: fc.constant(1) },
        { requiredKeys: [] },
      ),
      unknownSection: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .filter((value) => Object.keys(value).length > 0)

describe('CSV dates are read, never guessed', () => {
  // V8's Date.parse falls back to a lenient legacy parser: "x 5" reads as 2001-05-01 and "not a date 0" as 2000-01-01.
  test.each(['not a date 0', 'x 5'])('"%s" is a bad row, not a call', async (date) => {
    const file = join(tempDir(), 'dates.csv')
    writeFileSync(file, `Call ID,Date (UTC),Direction,Raw digits,Duration\n501,${date},inbound,+33612345678,60\n`)
    const warnings: SourceWarning[] = []
    const imported: string[] = []
    for await (const window of new CsvExportSource({ file }).windows({
      resume: undefined,
      onWarning: (w) => warnings.push(w),
    })) {
      for await (const call of window.calls) imported.push(call.callId)
    }
    expect(imported).toEqual([])
    expect(warnings).toMatchObject([{ code: 'bad-row', line: 2 }])
  })
})

describe('config files with wrong types and unknown keys', () => {
  test('the loader names file, key path and problem for every case, and never echoes a secret', () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    fc.assert(
      fc.property(badConfig, fc.constantFrom('typo', 'none'), (config, extra) => {
        const document: Record<string, unknown> = { ...config }
        if (extra === 'typo') document.aircal = { apiId: CONFIG_SECRET }
        writeFileSync(file, stringify(document))
        let error: unknown
        try {
          loadConfig({ configPath: file, cwd: dir, env: { INTERCOM_ACCESS_TOKEN: CONFIG_SECRET } })
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(ConfigError)
        const problems = (error as ConfigError).problems
        expect(problems.length).toBeGreaterThan(0)
        for (const problem of problems) {
          expect(problem.file).toBe(file)
          expect(problem.message.length).toBeGreaterThan(0)
        }
        expect((error as Error).message).not.toContain(CONFIG_SECRET)
      }),
      { seed: SEED, numRuns: 800 },
    )
  })

  test('random YAML text never throws anything but a ConfigError', () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        writeFileSync(file, text)
        try {
          loadConfig({ configPath: file, cwd: dir, env: {} })
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
        }
      }),
      { seed: SEED, numRuns: 800 },
    )
  })

  test('the CLI exits 2 with FILE:path: message lines and no stack trace', async () => {
    const dir = tempDir()
    const samples = fc.sample(badConfig, { seed: SEED, numRuns: 3 })
    for (const [index, config] of samples.entries()) {
      const file = join(dir, `bad-${index}.yml`)
      writeFileSync(file, stringify(config))
      const result = await runCli(['config', 'validate', '--config', file], {
        cwd: dir,
        env: { INTERCOM_ACCESS_TOKEN: CONFIG_SECRET },
      })
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(new RegExp(`bad-${index}\\.yml(:[\\w.\\[\\]]+)?: .+`))
      expect(result.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
      expect(result.stdout + result.stderr).not.toContain(CONFIG_SECRET)
    }
  })

  test('an unresolved YAML alias is a config problem (exit 2, FILE: message), not a crash', async () => {
    const dir = tempDir()
    const file = join(dir, 'alias.yml')
    writeFileSync(file, 'aircall:\n  apiUrl: *nowhere\n')
    const result = await runCli(['config', 'validate', '--config', file], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/alias\.yml(:[\w.]+)?: /)
  })
})
