import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'emulators',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
})
