import { leafPaths, type EnvOverride, type LoadedConfig, type ValueOrigin } from '../config/loader.js'
import { REDACTED } from '../config/redact.js'
import { HIDDEN_PATHS, type AppConfig } from '../config/schema.js'

export interface ValidateResult {
  valid: true
  file: string | null
  expectedFile: string
  statePath: string
  enabled: string[]
  missingCredentials: string[]
}

const CREDENTIAL_ENV: Record<string, string> = {
  'aircall.apiId': 'AIRCALL_API_ID',
  'aircall.apiToken': 'AIRCALL_API_TOKEN',
  'aircall.webhookToken': 'AIRCALL_WEBHOOK_TOKEN',
  'intercom.accessToken': 'INTERCOM_ACCESS_TOKEN',
  'intercom.clientSecret': 'INTERCOM_CLIENT_SECRET',
  'intercom.adminId': 'INTERCOM_ADMIN_ID',
}

export const enabledFeatures = (config: AppConfig): string[] =>
  [
    config.missedCalls.enabled ? 'missedCalls' : null,
    config.vip.enabled ? 'vip' : null,
    config.resolve.enabled ? 'resolve' : null,
    config.escalation.enabled ? 'escalation' : null,
    config.insightCards.enabled ? 'insightCards' : null,
    config.tags.map.length > 0 ? 'tags' : null,
    config.insights.enabled ? 'insights' : null,
    config.voicemail.enabled ? 'voicemail' : null,
    config.tickets.typeId !== undefined && config.tickets.on.length > 0 ? 'tickets' : null,
    config.messages.enabled ? 'messages' : null,
  ].filter((name): name is string => name !== null)

/** The config loaded (the loader already refused anything invalid); reports what is still missing to run. */
export const validateConfig = (loaded: LoadedConfig): ValidateResult => {
  const { config } = loaded
  const values: Record<string, unknown> = {
    'aircall.apiId': config.aircall.apiId,
    'aircall.apiToken': config.aircall.apiToken,
    'aircall.webhookToken': config.aircall.webhookToken,
    'intercom.accessToken': config.intercom.accessToken,
    'intercom.clientSecret': config.intercom.clientSecret,
    'intercom.adminId': config.intercom.adminId,
  }
  const missingCredentials = Object.entries(values)
    .filter(([, value]) => value === undefined || value === '')
    .map(([path]) => `${path} (${CREDENTIAL_ENV[path] ?? path})`)
  return {
    valid: true,
    file: loaded.file,
    expectedFile: loaded.expectedFile,
    statePath: loaded.statePath,
    enabled: enabledFeatures(config),
    missingCredentials,
  }
}

export interface ShowResult {
  file: string | null
  expectedFile: string
  statePath: string
  config: AppConfig
  sources: LoadedConfig['sources']
  /** Template settings read from a file (key path → file); `config` shows the Liquid source they hold. */
  templateFiles: Record<string, string>
  /** Every value (credentials redacted) with where it came from: a file key, a variable, a flag or the default. */
  values: Array<{ key: string; value: unknown; origin: ValueOrigin }>
  /** File values the environment replaced. */
  overrides: EnvOverride[]
}

const valueAt = (root: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>(
    (current, part) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined,
    root,
  )

/** The effective configuration with every credential (and the console token) replaced by a marker saying it is set. */
export const showConfig = (loaded: LoadedConfig): ShowResult => {
  const config = structuredClone(loaded.config)
  for (const [section, key] of HIDDEN_PATHS) {
    const target = config[section] as Record<string, unknown>
    if (target[key] !== undefined) target[key] = REDACTED
  }
  return {
    file: loaded.file,
    expectedFile: loaded.expectedFile,
    statePath: loaded.statePath,
    config,
    sources: loaded.sources,
    templateFiles: loaded.templateFiles ?? {},
    values: [
      ...leafPaths(config)
        .filter((path) => path.join('.') !== 'store.path' && path.join('.') !== 'store.url')
        .map((path) => ({
          key: path.join('.'),
          value: valueAt(config, path),
          origin: loaded.origins?.[path.join('.')] ?? { kind: 'default' as const },
        })),
      // The store the commands open, set or not, and whichever of --state, the environment or the file chose it
      // (a URL shown without its password).
      {
        key: loaded.state?.kind === 'postgres' ? 'store.url' : 'store.path',
        value: loaded.statePath,
        origin: loaded.origins?.['store.path'] ?? loaded.origins?.['store.url'] ?? { kind: 'default' },
      },
    ],
    overrides: loaded.overrides ?? [],
  }
}
