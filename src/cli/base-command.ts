import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadEnvFile } from 'node:process'
import { Command, Flags, type Interfaces } from '@oclif/core'
import type { Runtime, RuntimeDeps } from '../app/runtime.js'
import { loadConfig, type LoadedConfig } from '../config/loader.js'
import { Redactor } from '../config/redact.js'
import { UserError } from '../errors.js'
import { errorEnvelope, resultEnvelope } from './envelope.js'
import { describeError, EXIT, type ExitCode } from './exit-codes.js'
import type { RunRecorder } from '../app/run-recorder.js'
import type { BackfillProgress } from './progress.js'
import type { HttpEvent, RunControl } from './run-control.js'
import { sharedBudgetWarner } from './shared-budget-warning.js'

/** What a run that writes through the APIs works with (see `withWritingRun`). */
export interface WritingRun {
  runtime: Runtime
  control: RunControl
  /** Records the run for `--report FILE`; null without the flag. */
  recorder: RunRecorder | null
}

export type BaseFlags = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags']>

export interface Finish<T> {
  result: T
  /** Human rendering of the result (stdout); --json prints the result itself. */
  text: (result: T) => string
  /** 3 when some items went to dead letters; 0 otherwise. */
  exitCode?: ExitCode
}

/**
 * Conventions every command shares: `--json` prints exactly one document on stdout (warnings inside
 * it), human output otherwise; progress and logs go to stderr; every byte written passes through the
 * secret redactor; every error maps to one exit code in `describeError`.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'Print one JSON document on stdout (NDJSON for streams).', default: false }),
    config: Flags.string({
      description: 'Configuration file (YAML or JSON). Default: ./aircall-intercom.yml',
      env: 'AIRCALL_INTERCOM_CONFIG',
      helpValue: 'FILE',
    }),
    state: Flags.string({
      description:
        'State store: an SQLite file, or a postgres://user@host:5432/db URL. Default: aircall-intercom.sqlite next to the config file.',
      env: 'AIRCALL_INTERCOM_STATE',
      helpValue: 'FILE|URL',
    }),
    'env-file': Flags.string({
      description:
        'Read environment variables (KEY=value lines) from FILE first, e.g. the credentials for cron or a service; ' +
        'variables already set win.',
      helpValue: 'FILE',
    }),
  }

  protected readonly redactor = new Redactor()
  protected readonly warnings: string[] = []
  private jsonMode = false

  override async init(): Promise<void> {
    await super.init()
    this.jsonMode = this.argv.includes('--json')
    // Before the flags are parsed: the file may set AIRCALL_INTERCOM_CONFIG / _STATE, which the flags fall back to.
    const envFile = this.argValue('env-file')
    if (envFile !== undefined) this.loadEnvFile(envFile)
    for (const name of [
      'AIRCALL_API_ID',
      'AIRCALL_API_TOKEN',
      'AIRCALL_WEBHOOK_TOKEN',
      'INTERCOM_ACCESS_TOKEN',
      'INTERCOM_CLIENT_SECRET',
    ]) {
      this.redactor.add(process.env[name])
    }
  }

  /** A flag's value as typed (`--flag VALUE` or `--flag=VALUE`), read before oclif parses the command line. */
  private argValue(flag: string): string | undefined {
    const end = this.argv.indexOf('--')
    const argv = end === -1 ? this.argv : this.argv.slice(0, end)
    for (let index = argv.length - 1; index >= 0; index -= 1) {
      const arg = argv[index] ?? ''
      if (arg.startsWith(`--${flag}=`)) return arg.slice(flag.length + 3)
      if (arg === `--${flag}`) return argv[index + 1] ?? ''
    }
    return undefined
  }

  private loadEnvFile(path: string): void {
    const file = resolve(path)
    const hint = 'pass a file of KEY=value lines, e.g. --env-file /etc/aircall-intercom.env (mode 0600)'
    if (path === '') throw new UserError('--env-file needs a file', hint, 2, 'usage')
    let mode: number
    try {
      mode = statSync(file).mode
      loadEnvFile(file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message
      throw new UserError(`--env-file ${path}: ${reason}`, hint, 2, 'file_not_found')
    }
    if ((mode & 0o077) !== 0) {
      this.addWarning(`${path} can be read by other users and may hold credentials: chmod 600 ${path}`)
    }
  }

  protected get isJson(): boolean {
    return this.jsonMode
  }

  /** Prompts are allowed only for a person at a terminal who did not pass --yes or --json. */
  protected canPrompt(yes = false): boolean {
    return Boolean(process.stdin.isTTY) && !yes && !this.jsonMode && process.env.CI !== 'true'
  }

  /** Whether the user typed the flag: oclif also fills a flag from its environment variable. */
  protected typed(flag: string): boolean {
    return this.argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))
  }

  protected loadConfig(flags: { config?: string; state?: string }): LoadedConfig {
    // A --state that came from AIRCALL_INTERCOM_STATE is left to the loader, which records it as the variable's.
    const loaded = loadConfig({ configPath: flags.config, statePath: this.typed('state') ? flags.state : undefined })
    for (const secret of loaded.secrets) this.redactor.add(secret)
    if (!loaded.file) this.note(`No config file at ${loaded.expectedFile}: using defaults and the environment.`)
    return loaded
  }

  /**
   * The composition root for this command, closed whatever happens: every command that needs the store or the
   * clients runs through here, so none can leave the store open.
   */
  protected async withRuntime<T>(
    flags: { config?: string; state?: string },
    use: (runtime: Runtime) => Promise<T> | T,
    deps?: RuntimeDeps,
  ): Promise<T> {
    // Loaded on use: commands that never open the store or the clients (help, config, init) skip their modules.
    const { Runtime: CompositionRoot } = await import('../app/runtime.js')
    const runtime = new CompositionRoot(this.loadConfig(flags), {
      onSharedBudgetFailure: sharedBudgetWarner((text) => this.addWarning(text)),
      ...deps,
    })
    try {
      return await use(runtime)
    } finally {
      await runtime.close()
    }
  }

  /**
   * Progress of a long run on stderr: a spinner for a person at a terminal, nothing under --json. Without a
   * terminal, `windowLines` prints one line per finished window and per rate-limit pause, for logs.
   */
  protected async progress(options: { label?: string; windowLines?: boolean } = {}): Promise<BackfillProgress> {
    // Loaded on use, like the runtime: ora is not needed by the commands that show no progress.
    const { BackfillProgress: Progress } = await import('./progress.js')
    return new Progress({
      enabled: Boolean(process.stderr.isTTY) && !this.jsonMode,
      windowLines: (options.windowLines ?? false) && !this.jsonMode,
      write: (text) => this.stderr(text),
      ...(options.label === undefined ? {} : { label: options.label }),
    })
  }

  /**
   * A run that writes through the APIs (backfill, sync, tags sync): its runtime, its run control (Ctrl-C, an
   * unreachable API) and, with `--report FILE`, its recorder, checked before the run starts and all released
   * whatever happens. `onHttp` also sees every request of the run (progress, logs).
   */
  protected async withWritingRun<T>(
    flags: { config?: string; state?: string; report?: string },
    options: { progress?: BackfillProgress; onHttp?: (event: HttpEvent) => void },
    use: (run: WritingRun) => Promise<T>,
  ): Promise<T> {
    const control = await this.runControl(options.progress)
    // Asserted, not annotated: TypeScript would otherwise take it as still null in `finally`, set in a callback.
    let recorder = null as RunRecorder | null
    const onHttpEvent = (event: HttpEvent): void => {
      options.onHttp?.(event)
      control.watch(event)
      recorder?.sample()
    }
    try {
      return await this.withRuntime(
        flags,
        async (runtime) => {
          control.attach(runtime)
          if (flags.report) {
            const [{ checkReportFile }, { startRunRecorder }] = await Promise.all([
              import('./report-flag.js'),
              import('../app/run-report.js'),
            ])
            checkReportFile(flags.report)
            recorder = startRunRecorder(runtime)
          }
          return use({ runtime, control, recorder })
        },
        { onHttpEvent },
      )
    } finally {
      options.progress?.stop()
      recorder?.stop()
      control.dispose()
    }
  }

  /** How a run that writes through the APIs stops (Ctrl-C, an unreachable API), saying so above its progress. */
  protected async runControl(progress?: BackfillProgress): Promise<RunControl> {
    const { RunControl: Control } = await import('./run-control.js')
    const stopping = (): void => this.stderr('stopping: cancelling the requests in flight…')
    return new Control(progress ? () => progress.print(stopping) : stopping)
  }

  protected stdout(text: string): void {
    process.stdout.write(this.redactor.redact(text.endsWith('\n') ? text : `${text}\n`))
  }

  protected stderr(text: string): void {
    process.stderr.write(this.redactor.redact(text.endsWith('\n') ? text : `${text}\n`))
  }

  /** A line for a person on stderr; silent in --json mode so machines read only stdout. */
  protected note(text: string): void {
    if (!this.jsonMode) this.stderr(text)
  }

  protected addWarning(text: string): void {
    this.warnings.push(this.redactor.redact(text))
    if (!this.jsonMode) this.stderr(`warning: ${text}`)
  }

  protected finish<T>({ result, text, exitCode = EXIT.ok }: Finish<T>): void {
    if (this.jsonMode) {
      this.stdout(JSON.stringify(resultEnvelope(result, exitCode, this.warnings)))
    } else {
      const rendered = text(result)
      if (rendered) this.stdout(rendered)
    }
    process.exitCode = exitCode
  }

  override async catch(error: Error & { exitCode?: number }): Promise<void> {
    // oclif signals --help and --version through errors with exit code 0.
    const oclifExit = (error as Error & { oclif?: { exit?: number } }).oclif?.exit
    if (oclifExit === 0) {
      await super.catch(error)
      return
    }
    const described = describeError(error)
    if (this.jsonMode) {
      this.stdout(JSON.stringify(errorEnvelope(described, this.warnings)))
    } else {
      if (described.problems && described.problems.length > 0) {
        const count = described.problems.length
        this.stderr(
          `Error: the configuration has ${count} problem${count === 1 ? '' : 's'}:\n  ${described.message.split('\n').join('\n  ')}`,
        )
      } else {
        this.stderr(`Error: ${described.message}`)
      }
      // A bug's hint is how to report it, not how to fix the input.
      if (described.hint) this.stderr(`${described.exitCode === EXIT.bug ? 'Bug' : 'Hint'}: ${described.hint}`)
    }
    process.exitCode = described.exitCode
  }
}
