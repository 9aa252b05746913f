import type { EnvOverride, LoadedConfig } from '../config/loader.js'
import { row, type CheckRow } from './doctor-rows.js'

const describeOverride = (override: EnvOverride): string =>
  override.secret
    ? `${override.variable} replaces ${override.path} from ${override.file} (the values differ)`
    : `${override.variable}=${override.envValue ?? ''} replaces ${override.path}: ${override.fileValue ?? ''} from ${override.file}`

/** The file values the environment silently replaces (precedence: flag > environment > file), one warning for all. */
export const environmentRows = (loaded: LoadedConfig): CheckRow[] => {
  const overrides = loaded.overrides ?? []
  if (overrides.length === 0) return []
  return [
    row(
      'environment',
      'environment overrides',
      'warn',
      overrides.map(describeOverride).join('; '),
      `unset ${overrides.map((override) => override.variable).join(', ')} to use the file's value${overrides.length === 1 ? '' : 's'}, or remove the key${overrides.length === 1 ? '' : 's'} from the file (see \`config show --sources\`)`,
    ),
  ]
}
