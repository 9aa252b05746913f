import { type RecordedRequest, type ScriptedResponse, type TestServer, startServer } from '../http/helpers.js'

/** A minimal call object with the fields our schema requires. */
export function fakeCall(id: number, startedAt: number) {
  return {
    id,
    direction: 'inbound',
    status: 'done',
    started_at: startedAt,
    answered_at: null,
    ended_at: startedAt + 30,
    duration: 30,
    raw_digits: '+33 6 12 34 56 78',
    asset: `https://assets.aircall.io/calls/${id}/recording`,
  }
}

export interface FakeAircall extends TestServer {
  /** Requests answered 400 because page × per_page went past 10,000. */
  capViolations: number
}

/**
 * Enough of `GET /v1/calls` to test windowing: `from < started_at <= to`, `order`, per_page clamped to 50,
 * the positional 10,000 cap answered with Aircall's 400, and `meta` with links. Other routes go to `extra`.
 */
export async function startFakeAircall(
  calls: Array<ReturnType<typeof fakeCall>>,
  extra?: (req: RecordedRequest) => ScriptedResponse | undefined,
): Promise<FakeAircall> {
  const sorted = [...calls].sort((a, b) => a.started_at - b.started_at || a.id - b.id)
  let capViolations = 0
  const server = await startServer((req) => {
    const other = extra?.(req)
    if (other) return other
    if (req.method !== 'GET' || req.path !== '/v1/calls') return { status: 404, json: { message: 'Not Found' } }
    const page = Number(req.query.get('page') ?? 1)
    const perPage = Math.min(50, Number(req.query.get('per_page') ?? 20))
    if (page * perPage > 10_000) {
      capViolations++
      return {
        status: 400,
        json: {
          error: 'Bad Request',
          data: null,
          message: 'BAD_REQUEST',
          errors:
            'Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
          troubleshoot: 'BAD_REQUEST',
          success: false,
        },
      }
    }
    const from = req.query.has('from') ? Number(req.query.get('from')) : -Infinity
    const to = req.query.has('to') ? Number(req.query.get('to')) : Infinity
    let matching = sorted.filter((c) => c.started_at > from && c.started_at <= to)
    if (req.query.get('order') === 'desc') matching = [...matching].reverse()
    const items = matching.slice((page - 1) * perPage, page * perPage)
    const hasNext = page * perPage < matching.length
    return {
      json: {
        calls: items,
        meta: {
          count: items.length,
          total: matching.length,
          current_page: page,
          per_page: perPage,
          next_page_link: hasNext ? `https://api.aircall.io/v1/calls?page=${page + 1}&per_page=${perPage}` : null,
          previous_page_link: null,
        },
      },
    }
  })
  return {
    ...server,
    get capViolations() {
      return capViolations
    },
  }
}
