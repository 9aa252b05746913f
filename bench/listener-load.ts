/**
 * The load generator of the listener benchmark, in its own process so the listener's numbers are not shared
 * with its client: autocannon posting realistic webhooks, each with a distinct identity (a new call id, a new
 * Intercom notification id), correctly tokened or signed. argv[2] is a LoadSpec; prints one JSON line.
 */
import { createHmac } from 'node:crypto'
import autocannon, { type RawRequest, type Result } from 'autocannon'
import { aircallFixture, intercomFixture } from '../src/listener/fixtures.js'

export interface LoadSpec {
  url: string
  durationS: number
  connections: number
  /** Requests per second offered by all connections together; unset = as fast as answers come. */
  rate?: number
  /** Call ids start here, so successive phases never repeat an identity. */
  firstId: number
  callers: string[]
}

const main = async (): Promise<void> => {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
  const token = process.env.AIRCALL_WEBHOOK_TOKEN ?? ''
  const secret = process.env.INTERCOM_CLIENT_SECRET ?? ''
  let next = spec.firstId
  const headers = { 'content-type': 'application/json' }
  const aircall = (request: RawRequest): RawRequest => {
    const id = next++
    const body = JSON.stringify(
      aircallFixture('call.ended', token, {
        callId: id,
        rawDigits: spec.callers[id % spec.callers.length],
        timestamp: 1_790_000_000 + (id % 1_000_000),
      }),
    )
    return { ...request, method: 'POST', path: '/aircall', headers, body }
  }
  const intercom = (request: RawRequest): RawRequest => {
    const id = next++
    const body = JSON.stringify(
      intercomFixture('contact.user.updated', { notificationId: `notif_bench_${id}`, contactId: `c${id}` }),
    )
    const signature = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`
    return {
      ...request,
      method: 'POST',
      path: '/intercom',
      headers: { ...headers, 'x-hub-signature': signature },
      body,
    }
  }
  const result: Result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    requests: [{ setupRequest: aircall }, { setupRequest: intercom }],
  })
  const cpu = process.cpuUsage()
  process.stdout.write(
    `${JSON.stringify({
      durationS: result.duration,
      sent: next - spec.firstId,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      perSecond: result['2xx'] / result.duration,
      lastId: next,
      // The generator shares the machine's 2 cores with the listener: its own cost is part of the picture.
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    })}\n`,
  )
}

void main()
