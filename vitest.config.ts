import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Unit tests import the sources and need no build; e2e and reliability tests run the built CLI
// (bin/run.js over dist/) against the emulators, so `npm test` builds first.
const BUILT = ['test/e2e/**/*.test.ts', 'test/reliability/**/*.test.ts']
// PostgreSQL tests share one real server per run, started by their project's globalSetup (README "PostgreSQL for
// developers"); the unit project leaves them out so that it starts none.
const POSTGRES = ['test/postgres/**/*.test.ts', 'test/store/postgres-*.test.ts']
const EMULATORS_SRC = fileURLToPath(new URL('./packages/emulators/src/', import.meta.url))

export default defineConfig({
  resolve: {
    // Tests read the emulators' sources, as tsconfig's paths do, so a unit run needs no build of the package.
    alias: [
      { find: /^@aircall-intercom\/emulators$/, replacement: `${EMULATORS_SRC}index.ts` },
      { find: /^@aircall-intercom\/emulators\/(.*)\.js$/, replacement: `${EMULATORS_SRC}$1.ts` },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores on CI: two workers keep e2e tests (which spawn the CLI) from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    typecheck: { enabled: false },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...BUILT, ...POSTGRES] } },
      { extends: true, test: { name: 'emulators', include: ['packages/emulators/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { extends: true, test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'postgres', include: POSTGRES, globalSetup: ['test/helpers/postgres-global-setup.ts'] },
      },
    ],
  },
})
