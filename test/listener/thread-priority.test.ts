import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('worker thread priority', () => {
  test('only the calling thread is lowered (Linux): a thread such as the intake keeps its priority', () => {
    const module = pathToFileURL(join(REPO_ROOT, 'src/listener/thread-priority.ts')).href
    const script = join(tempDir(), 'probe.mts')
    // A separate process, so the test runner's own threads are left alone. It starts a thread, lowers its main
    // thread, and reports every thread's nice value from /proc.
    writeFileSync(
      script,
      `import { readdirSync, readFileSync } from 'node:fs'
       import { Worker } from 'node:worker_threads'
       import { lowerThisThreadPriority } from ${JSON.stringify(module)}
       const other = new Worker('setInterval(() => {}, 1000)', { eval: true })
       await new Promise((resolve) => other.once('online', resolve))
       lowerThisThreadPriority(10)
       const nice = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16])
       const tids = process.platform === 'linux' ? readdirSync('/proc/self/task') : []
       const main = tids.length ? nice(String(process.pid)) : 0
       const others = tids.filter((tid) => tid !== String(process.pid)).map(nice)
       process.stdout.write(JSON.stringify({ platform: process.platform, main, others }))
       process.exit(0)`,
    )
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT }).toString())
    const { platform, main, others } = out as { platform: string; main: number; others: number[] }
    // Elsewhere a nice value would apply to the whole process, so nothing is changed.
    if (platform !== 'linux') {
      expect(main).toBe(0)
      return
    }
    // Relative to the process's starting nice value, in case the suite itself runs under nice.
    const base = others[0]!
    expect(others.every((value) => value === base)).toBe(true)
    expect(main).toBe(Math.min(19, base + 10))
  })
})
