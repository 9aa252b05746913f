import { join } from 'node:path'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import type { LoadedConfig } from '../../src/config/loader.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'

/** A loaded configuration pointed at a sandbox's two emulators with its credentials, its store in `dir`. */
export const sandboxConfig = (sandbox: SandboxHandle, dir: string, input: ConfigInput = {}): LoadedConfig => ({
  config: configSchema.parse({
    ...input,
    aircall: {
      apiUrl: sandbox.aircall.url,
      apiId: sandbox.aircall.apiId,
      apiToken: sandbox.aircall.apiToken,
      webhookToken: sandbox.aircall.webhookToken,
    },
    intercom: {
      apiUrl: sandbox.intercom.url,
      accessToken: sandbox.intercom.accessToken,
      clientSecret: sandbox.intercom.clientSecret,
      adminId: sandbox.intercom.adminId,
    },
  }),
  file: '/virtual/aircall-intercom.yml',
  expectedFile: '/virtual/aircall-intercom.yml',
  statePath: join(dir, 'state.sqlite'),
  secrets: [],
  sources: {},
})
