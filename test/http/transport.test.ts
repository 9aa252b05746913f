import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { describe, expect, it } from 'vitest'

import { TransportTimeout, fetchTransport, unreachableReason } from '../../src/http/transport.js'

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code })

describe('unreachableReason', () => {
  it('names refused connections and DNS failures, however they are wrapped', () => {
    expect(unreachableReason(errno('ECONNREFUSED'))).toBe('connection refused')
    expect(unreachableReason(errno('ENOTFOUND'))).toMatch(/no such host/)
    expect(unreachableReason(errno('EAI_AGAIN'))).toMatch(/could not be resolved/)
    // Node tries every address of a name (happy eyeballs); fetch wraps the socket error in its cause.
    expect(unreachableReason(new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]))).toBe(
      'connection refused',
    )
    expect(unreachableReason(new TypeError('fetch failed', { cause: errno('ENOTFOUND') }))).toMatch(/no such host/)
  })

  it('leaves failures mid-exchange to the ordinary retries', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']) {
      expect(unreachableReason(errno(code))).toBeUndefined()
    }
    expect(unreachableReason(new TransportTimeout(100))).toBeUndefined()
    expect(unreachableReason('nope')).toBeUndefined()
  })

  it('recognises what an injected fetch rejects with for a port nobody listens on', async () => {
    // fetch refuses port 1 itself ("bad port"), so this one needs a port that was bound and released.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const cause = await fetchTransport(fetch)({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${port}/`),
      headers: {},
      body: undefined,
      signal: undefined,
      timeoutMs: 2_000,
    }).catch((error: unknown) => error)
    expect(unreachableReason(cause)).toBe('connection refused')
  })
})
