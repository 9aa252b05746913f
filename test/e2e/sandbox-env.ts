import type { SandboxHandle } from '../../src/emulator/sandbox.js'

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
