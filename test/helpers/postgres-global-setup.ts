import type { TestProject } from 'vitest/node'
import { startPostgres } from './postgres-server.js'

/**
 * The `postgres` project's globalSetup (vitest.config.ts): one server for the whole run, handed to every test
 * file through `provide`/`inject` (test/helpers/postgres.ts). Only that project has it, so a unit run starts
 * no server. A server that cannot start fails the run: the PostgreSQL suites are never skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { stop, ...info } = await startPostgres()
  project.provide('postgres', info)
  return stop
}
