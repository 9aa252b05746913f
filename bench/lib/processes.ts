/**
 * Child processes of a benchmark run: TypeScript scripts under tsx (emulator host, backfill worker, load
 * generator) and the CLI itself. Each prints one JSON line on stdout for the parent; stderr is drained so a
 * chatty child never blocks on a full pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BUILT_CLI = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const DEV_CLI = fileURLToPath(new URL('../../bin/dev.js', import.meta.url))
const BUILT_MARKER = fileURLToPath(new URL('../../dist/commands/listen.js', import.meta.url))

/** The built CLI when `npm run build` has been run (what users run), else the tsx entry point. */
export const cliEntry = (): { path: string; built: boolean } =>
  existsSync(BUILT_MARKER) ? { path: BUILT_CLI, built: true } : { path: DEV_CLI, built: false }

export const benchScript = (name: string): string => fileURLToPath(new URL(`../${name}`, import.meta.url))

export interface Child {
  process: ChildProcess
  /** Resolves with the first stdout line that parses as JSON. */
  firstJson: Promise<Record<string, unknown>>
  /** Every complete stdout line so far. */
  stdoutLines: () => string[]
  stderr: () => string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after graceMs. */
  stop: (graceMs?: number) => Promise<number | null>
}

const STDERR_KEEP = 64_000

export interface SpawnOptions {
  env?: Record<string, string>
  /** Only keep stderr lines matching this (the rest is drained and dropped). */
  keepStderr?: (line: string) => boolean
  onStderrLine?: (line: string) => void
  nodeArgs?: string[]
}

export const spawnNode = (entry: string, args: string[], options: SpawnOptions = {}): Child => {
  const isTs = entry.endsWith('.ts')
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...(isTs ? ['--import', 'tsx'] : []), entry, ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: string[] = []
  let partialOut = ''
  let partialErr = ''
  let stderr = ''
  let resolveJson: (value: Record<string, unknown>) => void = () => undefined
  let rejectJson: (error: Error) => void = () => undefined
  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    resolveJson = resolve
    rejectJson = reject
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    partialOut += chunk.toString()
    const complete = partialOut.split('\n')
    partialOut = complete.pop() ?? ''
    for (const line of complete) {
      lines.push(line)
      if (line.trim().startsWith('{')) {
        try {
          resolveJson(JSON.parse(line) as Record<string, unknown>)
        } catch {
          // Part of a multi-line document: the parent reads stdoutLines() at exit instead.
        }
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    partialErr += chunk.toString()
    const complete = partialErr.split('\n')
    partialErr = complete.pop() ?? ''
    for (const line of complete) {
      options.onStderrLine?.(line)
      if (options.keepStderr && !options.keepStderr(line)) continue
      if (stderr.length < STDERR_KEEP) stderr += `${line}\n`
    }
  })
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (partialOut) lines.push(partialOut)
      resolve(code)
    }),
  )
  void exited.then((code) =>
    rejectJson(new Error(`${entry} exited (${code}) before printing JSON:\n${stderr.slice(-4000)}`)),
  )
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  return { process: child, firstJson, stdoutLines: () => [...lines], stderr: () => stderr, exited, stop }
}

/**
 * CPU seconds a running child has used so far, from /proc (Linux): sampled until it exits, the last sample is
 * its CPU time within the sampling period. Null where /proc is not available.
 */
export const trackCpu = (child: Child, periodMs = 200): (() => number | null) => {
  let last: number | null = null
  const pid = child.process.pid
  const sample = (): void => {
    if (pid === undefined) return
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // utime and stime, in clock ticks (100 per second on Linux).
      last = (Number(fields[11]) + Number(fields[12])) / 100
    } catch {
      // Exited between two samples: keep the last reading.
    }
  }
  const timer = setInterval(sample, periodMs)
  void child.exited.then(() => clearInterval(timer))
  sample()
  return () => last
}

/**
 * The measured process must not carry tsx: its loader thread and transpile caches are tens of MB of RSS and
 * CPU that users of the built CLI never pay. The script is bundled once (our code inlined, packages left to
 * node_modules) with esbuild, which tsx already brings, and run on plain node.
 */
export const bundledBenchScript = async (name: string): Promise<string> => {
  const { build } = await import('esbuild')
  const outfile = fileURLToPath(new URL(`../.scratch/bundled/${name.replace(/\.ts$/, '.mjs')}`, import.meta.url))
  await build({
    entryPoints: [benchScript(name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  })
  return outfile
}
