import { describe, expect, test } from 'vitest'
import { startSandbox } from '../../src/sandbox.js'

describe('startSandbox', () => {
  test('starts both emulators on loopback, seeded from one world, with working credentials', async () => {
    const sb = await startSandbox({ calls: 300, seed: 5 })
    try {
      expect(sb.aircall.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(sb.intercom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      for (const v of [
        sb.aircall.apiId,
        sb.aircall.apiToken,
        sb.aircall.webhookToken,
        sb.intercom.accessToken,
        sb.intercom.clientSecret,
      ]) {
        expect(v).toMatch(/^[\x21-\x7e]{16,}$/)
      }
      expect(sb.intercom.adminId).toBe(sb.world.truth.adminMatchingAircallUser.adminId)
      const auth = `Basic ${Buffer.from(`${sb.aircall.apiId}:${sb.aircall.apiToken}`).toString('base64')}`
      const calls = (await (
        await fetch(`${sb.aircall.url}/v1/calls?per_page=1`, { headers: { authorization: auth } })
      ).json()) as {
        meta: { total: number }
      }
      expect(calls.meta.total).toBe(300)
      const wh = (await (
        await fetch(`${sb.aircall.url}/v1/webhooks`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ url: 'https://example.com/hook' }),
        })
      ).json()) as { webhook: { token: string } }
      expect(wh.webhook.token).toBe(sb.aircall.webhookToken)
      const admins = await fetch(`${sb.intercom.url}/admins`, {
        headers: { authorization: `Bearer ${sb.intercom.accessToken}`, accept: 'application/json' },
      })
      expect(admins.status).toBe(200)
      expect(JSON.stringify(await admins.json())).toContain(sb.intercom.adminId)
    } finally {
      await sb.close()
    }
  })
})
