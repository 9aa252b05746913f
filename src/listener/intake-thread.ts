import { parentPort, workerData } from 'node:worker_threads'
import { openStore } from '../store/location.js'
import type { ControlResponse } from './control.js'
import { createIntakeServer, listenOn, type IntakeEvent } from './intake.js'
import type { IntakeHostMessage, IntakeThreadData, IntakeThreadMessage } from './intake-host.js'
import { IntakeMetrics } from './intake-metrics.js'

// Entry point of the intake thread (see intake-host.ts): its own event loop and its own SQLite connection,
// so acknowledging a webhook never waits behind the worker's pipeline on the main thread.
const data = workerData as IntakeThreadData
const port = parentPort
if (!port) throw new Error('intake-thread must run as a worker thread')
const post = (message: IntakeThreadMessage): void => port.postMessage(message)

// The events of one group commit reach the main thread in one message rather than one message each.
let outbox: IntakeEvent[] = []
const flushOutbox = (): void => {
  const events = outbox
  outbox = []
  post({ type: 'intake', events })
}

// This connection only appends events: the worker's connection checkpoints the WAL (see walAutoCheckpoint).
const store = await openStore(data.state, { walAutoCheckpoint: false })

// Control requests wait here for the main thread's answer, by id.
const replies = new Map<number, (response: ControlResponse) => void>()
let nextControlId = 1
const server = createIntakeServer({
  store,
  aircallWebhookToken: data.aircallWebhookToken,
  intercomClientSecret: data.intercomClientSecret,
  maxBodyBytes: data.maxBodyBytes,
  limits: data.limits,
  metrics: data.metrics ? new IntakeMetrics() : undefined,
  control: data.control
    ? (request) =>
        new Promise<ControlResponse>((resolve) => {
          const id = nextControlId++
          replies.set(id, resolve)
          post({ type: 'control', id, request })
        })
    : undefined,
  onEvent: (event) => {
    if (outbox.length === 0) setImmediate(flushOutbox)
    outbox.push(event)
  },
})

listenOn(server, data.host, data.port).then(
  (url) => post({ type: 'listening', url }),
  (error: NodeJS.ErrnoException) => {
    post({ type: 'failed', code: error.code ?? null, message: error.message })
    void store.close().finally(() => port.close())
  },
)

port.on('message', (message: IntakeHostMessage) => {
  if (message !== 'stop') {
    replies.get(message.id)?.(message.response)
    replies.delete(message.id)
    return
  }
  server.close(() => {
    // Its last grouped commit lands before the main thread hears the intake stopped.
    void store.close().finally(() => {
      if (outbox.length > 0) flushOutbox()
      post({ type: 'stopped' })
      port.close()
    })
  })
  server.closeIdleConnections()
})
