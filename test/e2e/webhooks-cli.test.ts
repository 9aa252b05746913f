import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv, useSandbox } from './sandbox-env.js'

const tempDir = useTempDir()
const sandbox = useSandbox()

describe('webhooks register', () => {
  test('creates the webhook and prints the token export once; a second run updates the same webhook', async () => {
    const cwd = tempDir()
    const url = 'http://127.0.0.1:4321'
    writeFileSync(join(cwd, 'aircall-intercom.yml'), 'tags:\n  map:\n    - { tag: VIP, attribute: vip }\n')
    const created = await runCli(['webhooks', 'register', '--url', url], { cwd, env: sandboxEnv(sandbox()) })
    expect(created.code, created.stderr + created.stdout).toBe(0)
    const [webhook] = sandbox().aircallEmulator.webhooks()
    expect(created.stdout).toContain(`✓ Created the Aircall webhook ${webhook?.webhookId}`)
    expect(created.stdout).toContain(`export AIRCALL_WEBHOOK_TOKEN=${webhook?.token}`)
    expect(created.stderr).not.toContain(webhook?.token ?? '-')
    // AI insights and voicemail notes are on by default: the events they note come with the rules' own.
    expect([...(webhook?.events ?? [])].sort()).toEqual([
      'action_item.created',
      'call.comm_assets_generated',
      'call.ended',
      'call.tagged',
      'call.voicemail_left',
      'custom_summary.result_created',
      'sentiment.created',
      'summary.created',
      'topics.created',
      'transcription.created',
    ])

    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      'resolve:\n  enabled: true\ninsightCards:\n  enabled: true\nescalation:\n  enabled: true\ninsights:\n  enabled: false\nvoicemail:\n  enabled: false\n',
    )
    const env = sandboxEnv(sandbox(), { AIRCALL_WEBHOOK_TOKEN: webhook?.token ?? '' })
    const updated = await runCli(['webhooks', 'register', '--url', `${url}/aircall`, '--json'], { cwd, env })
    expect(updated.code).toBe(0)
    const document = JSON.parse(updated.stdout) as {
      result: {
        action: string
        webhookId: string
        webhookToken: string | null
        intercom: { url: string; topics: Array<{ name: string }> }
      }
    }
    expect(document.result).toMatchObject({ action: 'updated', webhookId: webhook?.webhookId, webhookToken: null })
    expect(document.result.intercom.url).toBe(`${url}/intercom`)
    const topics = document.result.intercom.topics.map((topic) => topic.name)
    expect(topics.filter((topic) => topic.startsWith('conversation'))).toEqual([
      'conversation.admin.assigned',
      'conversation.admin.open.assigned',
      'conversation.priority.updated',
    ])
    // listener.followContacts (on by default): the contact index follows these.
    expect(topics.filter((topic) => topic.startsWith('contact.'))).toContain('contact.merged')
    const stored = sandbox().aircallEmulator.webhooks()
    expect(stored).toHaveLength(1)
    expect([...(stored[0]?.events ?? [])].sort()).toEqual([
      'call.commented',
      'call.created',
      'call.ended',
      'call.ringing_on_agent',
      'call.tagged',
    ])

    const dry = await runCli(['webhooks', 'register', '--url', url, '--dry-run'], { cwd, env })
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('✓ The Aircall webhook is already up to date')
    expect(dry.stdout).toContain('AIRCALL_WEBHOOK_TOKEN already holds this webhook’s token.')
  })

  test('a plain-http public URL is refused before any request, with a hint', async () => {
    const result = await runCli(['webhooks', 'register', '--url', 'http://hooks.example.com'], {
      cwd: tempDir(),
      env: sandboxEnv(sandbox()),
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Aircall only delivers webhooks to https URLs')
    expect(result.stderr).toContain('Hint: put the listener behind TLS')
  })
})
