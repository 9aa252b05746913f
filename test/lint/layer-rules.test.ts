import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/run-cli.js'

// The layer map lives in eslint.config.js; these probes prove it rejects what ARCHITECTURE.md forbids and
// lets through what it allows, as CI's lint step would see a new file.
// Probes are not files of the TypeScript project: parse them without type information and run only the rule.
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
})

async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${REPO_ROOT}/${file}` })
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('layer rules', () => {
  it.each([
    ['src/http/probe.ts', "export type { AircallClient } from '../aircall/client.js'", 'http knows no vendor'],
    ['src/store/probe.ts', "export type { IntercomClient } from '../intercom/client.js'", 'store knows no vendor'],
    ['src/aircall/probe.ts', "export type { IntercomClient } from '../intercom/client.js'", 'vendors stay apart'],
    ['src/pipeline/probe.ts', "export type { Runtime } from '../app/runtime.js'", 'no import of the composition root'],
    [
      'src/listener/probe.ts',
      "export type { CallLogger } from '../pipeline/call-logger.js'",
      'listener below pipeline',
    ],
    ['src/pipeline/probe.ts', "export { QueueWorker } from '../listener/worker.js'", 'the pipeline knows no listener'],
    ['src/rules/probe.ts', "export type { StateStore } from '../store/state-store.js'", 'rules are pure'],
    ['src/matching/probe.ts', "export { EXIT } from '../cli/exit-codes.js'", 'no lower layer imports cli/'],
    [
      'packages/emulators/src/seed/probe.ts',
      "export type { Resolution } from '../../../../src/matching/types.js'",
      'the emulators import nothing of the product',
    ],
    ['packages/emulators/src/probe.ts', "export {} from 'aircall-intercom'", 'not even the package'],
    ['src/app/listen.ts', "export { startSandbox } from '@aircall-intercom/emulators'", 'only sandbox and demo'],
    ['src/listener/probe.ts', "export {} from '@aircall-intercom/emulators/intercom/index.js'", 'no deep import'],
    ['src/app/console/probe.ts', "export {} from '../../commands/status.js'", 'nothing imports commands/'],
  ])('refuses %s (%s)', async (file, source) => {
    expect(await layerErrors(file, source)).toHaveLength(1)
  })

  it.each([
    ['src/pipeline/probe.ts', "export type { IntercomClient } from '../intercom/client.js'"],
    ['packages/emulators/src/seed/probe.ts', "export type { AircallEmulator } from '../aircall/server.js'"],
    ['src/app/demo.ts', "export { startSandbox } from '@aircall-intercom/emulators'"],
    ['src/app/console/probe.ts', "export type { ListenSummary } from '../listen.js'"],
    ['src/http/probe.ts', "export { EXIT } from '../errors.js'"],
    ['src/commands/probe.ts', "export type { Runtime } from '../app/runtime.js'"],
  ])('allows %s', async (file, source) => {
    expect(await layerErrors(file, source)).toEqual([])
  })
})
