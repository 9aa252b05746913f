import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { type PostgresServerInfo, withClient } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServerInfo
  }
}

/** The run's shared server (test/helpers/postgres-global-setup.ts), for a test file of the `postgres` project. */
export function postgresServer(): PostgresServerInfo {
  const server = inject('postgres')
  if (!server) {
    throw new Error(
      'No PostgreSQL server was provided: PostgreSQL tests run in the `postgres` vitest project ' +
        '(test/postgres/**/*.test.ts, test/store/postgres-*.test.ts), whose globalSetup starts one',
    )
  }
  return server
}

export interface FreshDatabase {
  name: string
  /** Superuser (`postgres`, trust on 127.0.0.1). */
  url: string
  /** The database's owner, the password role (`aircall`, scram-sha-256). */
  passwordUrl: string
}

let created = 0

/**
 * A new, empty database on the shared server, owned by the password role, that no other test uses: files run in
 * parallel without seeing each other's tables. Nothing is dropped: the server and its temp dir go at the end.
 */
export async function freshDatabase(label = 'test'): Promise<FreshDatabase> {
  const server = postgresServer()
  created += 1
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30)
  const name = `t_${slug}_${process.pid}_${created}_${randomBytes(3).toString('hex')}`
  await withClient(server.adminUrl, (client) => client.query(`create database "${name}" owner ${server.passwordRole}`))
  const base = `127.0.0.1:${server.port}/${name}`
  return {
    name,
    url: `postgres://${server.superuser}@${base}`,
    passwordUrl: `postgres://${server.passwordRole}:${server.password}@${base}`,
  }
}
