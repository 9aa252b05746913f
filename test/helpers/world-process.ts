import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import { EmulatorRuntime } from '../../src/app/demo.js'
import type { LoadedConfig } from '../../src/config/loader.js'
import { type ConfigInput, configSchema } from '../../src/config/schema.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/world-server.ts', import.meta.url))

export interface WorldInfo {
  aircall: { url: string; apiId: string; apiToken: string }
  intercom: { url: string; accessToken: string; adminId: string }
  calls: number
  anonymousCallIds: number[]
  invalidCallIds: number[]
  now: number
}

export interface WorldProcess {
  info: WorldInfo
  stop(): Promise<void>
}

/** A seeded sandbox in a child process (see fixtures/world-server.ts). */
export async function startWorldProcess(calls: number, days = 30): Promise<WorldProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', FIXTURE, String(calls), String(days)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`world server exited ${code}: ${stderr}`)))
  })
  return {
    info: JSON.parse(line) as WorldInfo,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.stdin.end()
      }),
  }
}

export function configFor(world: WorldInfo, extra: ConfigInput = {}): ConfigInput {
  return {
    aircall: { apiUrl: world.aircall.url, apiId: world.aircall.apiId, apiToken: world.aircall.apiToken },
    intercom: {
      apiUrl: world.intercom.url,
      accessToken: world.intercom.accessToken,
      adminId: world.intercom.adminId,
      rateLimitPerMinute: 100_000,
      concurrency: 16,
    },
    matching: { defaultCountry: 'FR' },
    ...extra,
  }
}

export function emulatorRuntime(config: ConfigInput, statePath: string, now?: () => number): EmulatorRuntime {
  const loaded: LoadedConfig = {
    config: configSchema.parse(config),
    file: null,
    expectedFile: `${statePath}.yml`,
    statePath,
    secrets: [],
    sources: {},
  }
  return new EmulatorRuntime(loaded, now ? { now } : {})
}

interface StateConversation {
  id: string
  source?: { body?: string }
  conversation_parts?: { conversation_parts?: Array<{ part_type?: string; body?: string | null }> }
}

/** Conversations and notes per Aircall call id, read from the Intercom emulator's state. */
export async function loggedPerCall(
  intercomUrl: string,
): Promise<{ conversations: Map<string, number>; notes: Map<string, number>; total: number }> {
  const response = await fetch(`${intercomUrl}/_emulator/state`)
  const state = (await response.json()) as { conversations: StateConversation[] }
  const conversations = new Map<string, number>()
  const notes = new Map<string, number>()
  const marker = /aircall-call-id:(\d+)/
  for (const conversation of state.conversations) {
    const id = marker.exec(conversation.source?.body ?? '')?.[1]
    if (id) conversations.set(id, (conversations.get(id) ?? 0) + 1)
    for (const part of conversation.conversation_parts?.conversation_parts ?? []) {
      const noteId = marker.exec(part.body ?? '')?.[1]
      if (noteId && !(part.body ?? '').includes('Call updated')) notes.set(noteId, (notes.get(noteId) ?? 0) + 1)
    }
  }
  return { conversations, notes, total: state.conversations.length }
}
