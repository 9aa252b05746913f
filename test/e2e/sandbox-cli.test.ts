import { spawn } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { CLI } from '../helpers/run-cli.js'

interface SandboxLine {
  aircall: { url: string; apiId: string; apiToken: string; webhookToken: string }
  intercom: { url: string; accessToken: string; clientSecret: string; adminId: string }
}

describe('sandbox command', () => {
  test('prints one JSON line with URLs and credentials, serves both APIs with them, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--calls', '40', '--seed', '3', '--json'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const firstLine = await new Promise<string>((resolve, reject) => {
      let buffer = ''
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        const end = buffer.indexOf('\n')
        if (end >= 0) resolve(buffer.slice(0, end))
      })
      child.on('close', (code) => reject(new Error(`sandbox exited early with ${code}`)))
    })
    const info = JSON.parse(firstLine) as SandboxLine
    expect(Object.keys(info.aircall).sort()).toEqual(['apiId', 'apiToken', 'url', 'webhookToken'])
    expect(Object.keys(info.intercom).sort()).toEqual(['accessToken', 'adminId', 'clientSecret', 'url'])
    expect(info.aircall.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const basic = Buffer.from(`${info.aircall.apiId}:${info.aircall.apiToken}`).toString('base64')
    const calls = await fetch(`${info.aircall.url}/v1/calls?per_page=50`, {
      headers: { authorization: `Basic ${basic}` },
    })
    expect(calls.status).toBe(200)
    expect(((await calls.json()) as { meta: { total: number } }).meta.total).toBe(40)
    const refused = await fetch(`${info.aircall.url}/v1/calls`, { headers: { authorization: 'Basic bm9wZTpub3Bl' } })
    expect(refused.status).toBe(403)

    const me = await fetch(`${info.intercom.url}/me`, {
      headers: { authorization: `Bearer ${info.intercom.accessToken}`, accept: 'application/json' },
    })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { id: string }).id).toBe(info.intercom.adminId)

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
