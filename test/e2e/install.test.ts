import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment a person's shell has: none of the npm_* variables `npm test` puts around this process. */
const shellEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].toLowerCase().startsWith('npm_'),
    ),
  )

const run = (command: string, args: string[], cwd: string, env: Record<string, string> = shellEnv()): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

/**
 * The install story, once (it packs and installs the whole package, so it is the slowest test of the suite and
 * runs as this file's only test): `npm pack`, `npm install <tarball>` into an empty folder, then `npx
 * aircall-intercom demo` from there, as a new user would.
 *
 * Tests may not reach the internet. The install runs with --prefer-offline: every package comes from the local npm
 * cache, which `npm ci` filled; only metadata missing from it would be asked of the registry. better-sqlite3's
 * install script looks for a prebuilt binary before compiling; a user's download of it is stood in for by the
 * binary this checkout's `npm ci` built for this platform, offered as a local prebuild (prebuild-install's
 * `local-prebuilds`), so the test neither downloads nor spends two minutes compiling.
 */
describe('install from the packed tarball', () => {
  test('npm pack → npm install <tgz> in an empty folder → npx aircall-intercom demo', async () => {
    const dir = tempDir()
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], REPO_ROOT)
    expect(packed.code, packed.stderr).toBe(0)
    const [manifest] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    const files = manifest?.files.map((file) => file.path) ?? []
    for (const shipped of [
      'bin/run.js',
      'dist/commands/demo.js',
      'oclif.manifest.json',
      'aircall-intercom.schema.json',
      'aircall-intercom.example.yml',
    ]) {
      expect(files).toContain(shipped)
    }
    expect(files.some((path) => path.startsWith('src/') || path.startsWith('test/'))).toBe(false)

    const sqlite = join(REPO_ROOT, 'node_modules', 'better-sqlite3')
    const version = (JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string }).version
    const prebuilds = join(dir, 'prebuilds')
    const binary = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
    mkdirSync(prebuilds)
    const tarred = await run('tar', ['czf', join(prebuilds, binary), 'build/Release/better_sqlite3.node'], sqlite)
    expect(tarred.code, tarred.stderr).toBe(0)

    const app = join(dir, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'try-aircall-intercom', private: true }))
    writeFileSync(join(app, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`)
    const tarball = join(dir, manifest?.filename ?? '')
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app)
    expect(installed.code, installed.stderr).toBe(0)
    expect(existsSync(join(app, 'node_modules', '.bin', 'aircall-intercom'))).toBe(true)

    const demo = await run('npx', ['--no', 'aircall-intercom', 'demo', '--calls', '200', '--json'], app)
    expect(demo.code, demo.stderr).toBe(0)
    const document = JSON.parse(demo.stdout) as { ok: boolean; result: { conversationsInIntercom: number } }
    expect(document.ok).toBe(true)
    expect(document.result.conversationsInIntercom).toBeGreaterThan(0)

    // The shipped example validates from the installed package.
    const example = join(app, 'node_modules', 'aircall-intercom', 'aircall-intercom.example.yml')
    const validated = await run('npx', ['--no', 'aircall-intercom', 'config', 'validate', '--config', example], app, {
      ...shellEnv(),
      AIRCALL_API_ID: 'id',
      AIRCALL_API_TOKEN: 'token',
      AIRCALL_WEBHOOK_TOKEN: 'webhook-token',
      INTERCOM_ACCESS_TOKEN: 'access-token',
      INTERCOM_CLIENT_SECRET: 'client-secret',
    })
    expect(validated.code, validated.stderr).toBe(0)
    expect(validated.stdout).toContain('is valid')
  }, 180_000)
})
