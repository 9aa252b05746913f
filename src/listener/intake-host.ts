import type { Server } from 'node:http'
import { Worker } from 'node:worker_threads'
import type { StateLocation } from '../store/location.js'
import type { StateStore } from '../store/state-store.js'
import type { ControlHandler, ControlRequest, ControlResponse } from './control.js'
import { createIntakeServer, listenOn, pickIntakeLimits, type IntakeEvent, type IntakeLimits } from './intake.js'
import { IntakeMetrics } from './intake-metrics.js'
import { lowerThisThreadPriority, WORKER_NICE_INCREMENT } from './thread-priority.js'

export interface IntakeThreadData {
  /** The store the thread opens its own connection to (a PostgreSQL URL here may hold the password). */
  state: StateLocation
  aircallWebhookToken: string | null
  intercomClientSecret: string | null
  maxBodyBytes: number
  /** Timeouts and caps (the `listener` config section can be passed whole); unset ones keep their defaults. */
  limits?: Partial<IntakeLimits>
  host: string
  port: number
  /** Count requests for `/metrics` (listener.metrics). */
  metrics: boolean
  /** Hand `/readyz`, `/metrics` and `/console…` to the main thread. */
  control: boolean
}

export type IntakeThreadMessage =
  | { type: 'intake'; events: IntakeEvent[] }
  | { type: 'control'; id: number; request: ControlRequest }
  | { type: 'listening'; url: string }
  | { type: 'failed'; code: string | null; message: string }
  | { type: 'stopped' }

/** What the main thread sends the intake thread. */
export type IntakeHostMessage = 'stop' | { type: 'control-reply'; id: number; response: ControlResponse }

export interface IntakeHandle {
  url: string
  mode: 'thread' | 'in-process'
  stop(): Promise<void>
}

export class IntakeListenError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(message)
    this.name = 'IntakeListenError'
  }
}

export interface StartIntakeOptions extends Omit<IntakeThreadData, 'state' | 'control' | 'metrics'> {
  store: Pick<StateStore, 'path' | 'queue'>
  /** Where `store` lives, for the thread's own connection; by default the SQLite file at `store.path`. */
  location?: StateLocation
  /** Count requests for `/metrics` (listener.metrics); off by default. */
  metrics?: boolean
  /** Answers the control paths on the main thread, wherever the intake runs. */
  control?: ControlHandler
  onEvent: (event: IntakeEvent) => void
  /** The intake thread died after it started: nothing is being accepted any more. */
  onFatal: (error: Error) => void
  /** How much the calling (worker) thread's priority is lowered while the intake runs on its own thread. */
  workerNiceIncrement?: number
}

const THREAD_ENTRY = new URL('./intake-thread.js', import.meta.url)

/**
 * Starts the webhook intake. From the built CLI it runs on its own thread with its own SQLite connection:
 * the worker's pipeline (HTTP, templates, JSON) then cannot delay an acknowledgement, which is what keeps
 * answers inside the senders' 5-second budget under load. The calling thread, which runs the worker, then
 * gives the intake precedence for the CPU (thread-priority.ts). Run from TypeScript sources (tests), where a
 * thread cannot load `.ts`, it runs in-process with the same code.
 */
export const startIntake = async (options: StartIntakeOptions): Promise<IntakeHandle> => {
  const threadable = import.meta.url.endsWith('.js') && options.store.path !== ':memory:'
  return threadable ? startThread(options) : startInProcess(options)
}

const startInProcess = async (options: StartIntakeOptions): Promise<IntakeHandle> => {
  const server: Server = createIntakeServer({ ...options, metrics: options.metrics ? new IntakeMetrics() : undefined })
  try {
    const url = await listenOn(server, options.host, options.port)
    return {
      url,
      mode: 'in-process',
      stop: () =>
        new Promise((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        }),
    }
  } catch (error) {
    const failure = error as NodeJS.ErrnoException
    throw new IntakeListenError(failure.code ?? null, failure.message)
  }
}

const startThread = (options: StartIntakeOptions): Promise<IntakeHandle> =>
  new Promise((resolve, reject) => {
    const data: IntakeThreadData = {
      state: options.location ?? { kind: 'sqlite', path: options.store.path },
      aircallWebhookToken: options.aircallWebhookToken,
      intercomClientSecret: options.intercomClientSecret,
      maxBodyBytes: options.maxBodyBytes,
      limits: pickIntakeLimits(options.limits ?? {}),
      host: options.host,
      port: options.port,
      metrics: options.metrics ?? false,
      control: options.control !== undefined,
    }
    const thread = new Worker(THREAD_ENTRY, { workerData: data })
    let stopped: (() => void) | null = null
    let listening = false
    let restorePriority = (): void => undefined
    const exited = new Promise<void>((done) => thread.once('exit', () => done()))
    const post = (message: IntakeHostMessage): void => thread.postMessage(message)
    const answer = async (id: number, request: ControlRequest): Promise<void> => {
      let response: ControlResponse
      try {
        response = options.control
          ? await options.control(request)
          : { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not found"}' }
      } catch (error) {
        response = {
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
        }
      }
      post({ type: 'control-reply', id, response })
    }
    thread.on('message', (message: IntakeThreadMessage) => {
      switch (message.type) {
        case 'intake':
          for (const event of message.events) options.onEvent(event)
          return
        case 'control':
          void answer(message.id, message.request)
          return
        case 'listening':
          listening = true
          restorePriority = lowerThisThreadPriority(options.workerNiceIncrement ?? WORKER_NICE_INCREMENT)
          resolve({
            url: message.url,
            mode: 'thread',
            stop: async () => {
              await new Promise<void>((done) => {
                stopped = done
                post('stop')
              })
              await exited
              restorePriority()
            },
          })
          return
        case 'failed':
          reject(new IntakeListenError(message.code, message.message))
          return
        case 'stopped':
          stopped?.()
          return
      }
    })
    thread.on('error', (error) => (listening ? options.onFatal(error) : reject(error)))
  })
