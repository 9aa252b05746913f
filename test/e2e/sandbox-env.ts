import { afterAll, beforeAll } from 'vitest'
import { startSandbox, type SandboxHandle, type SandboxOptions } from '@aircall-intercom/emulators'

/** The environment lines a user pastes to point the CLI at a sandbox. */
export const sandboxEnv = (sandbox: SandboxHandle, extra: Record<string, string> = {}): Record<string, string> => ({
  AIRCALL_API_URL: sandbox.aircall.url,
  AIRCALL_API_ID: sandbox.aircall.apiId,
  AIRCALL_API_TOKEN: sandbox.aircall.apiToken,
  INTERCOM_API_URL: sandbox.intercom.url,
  INTERCOM_ACCESS_TOKEN: sandbox.intercom.accessToken,
  INTERCOM_CLIENT_SECRET: sandbox.intercom.clientSecret,
  ...extra,
})

export const sandboxSecrets = (sandbox: SandboxHandle): string[] => [
  sandbox.aircall.apiId,
  sandbox.aircall.apiToken,
  sandbox.intercom.accessToken,
  sandbox.intercom.clientSecret,
]

/**
 * One small sandbox (5 calls, no Aircall rate limit) started before the file's tests and closed after them.
 * Returns a getter: the handle exists only once `beforeAll` has run.
 */
export function useSandbox(
  options: SandboxOptions = { calls: 5, aircall: { rateLimitPerMinute: 0 } },
): () => SandboxHandle {
  let sandbox: SandboxHandle | undefined
  beforeAll(async () => {
    sandbox = await startSandbox(options)
  })
  afterAll(async () => {
    await sandbox?.close()
  })
  return () => {
    if (!sandbox) throw new Error('the sandbox starts in beforeAll: use it inside a test')
    return sandbox
  }
}
