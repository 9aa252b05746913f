import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores on CI: two workers keep e2e tests (which spawn the CLI) from starving each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    typecheck: { enabled: false },
  },
})
