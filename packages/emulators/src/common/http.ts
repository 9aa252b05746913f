/**
 * JSON request/response helpers shared by the emulators. Body reading is size-limited so a runaway
 * client cannot exhaust memory, and it distinguishes "too large" from "malformed" for precise errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export const DEFAULT_BODY_LIMIT_BYTES = 1_000_000

export type BodyResult =
  { ok: true; value: unknown; raw: string } | { ok: false; reason: 'too-large' | 'malformed'; raw: string }

export async function readRawBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    // Keep draining so the client sees our response instead of a reset socket.
    if (size > limitBytes) tooLarge = true
    if (!tooLarge) chunks.push(chunk)
  }
  return tooLarge ? null : Buffer.concat(chunks).toString('utf8')
}

/** Reads a JSON body. An empty body reads as `{}` because many clients send no body on POST/PUT. */
export async function readJsonBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<BodyResult> {
  const raw = await readRawBody(req, limitBytes)
  if (raw === null) return { ok: false, reason: 'too-large', raw: '' }
  if (raw.trim() === '') return { ok: true, value: {}, raw }
  try {
    return { ok: true, value: JSON.parse(raw) as unknown, raw }
  } catch {
    return { ok: false, reason: 'malformed', raw }
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, headers)
  res.end()
}

/**
 * Whether an `Accept` header admits an `application/json` answer (RFC 9110 §12.5.1). No header, or an empty one,
 * admits anything. Otherwise the most specific range that covers JSON decides: `application/json` (parameters other
 * than `q` ignored), then `application/*`, then the full wildcard; JSON is admitted when that range's `q` is above 0.
 * So the wildcard (what the official Intercom SDK sends), `application/*` and `application/json; charset=utf-8` pass,
 * while `text/html`, or `application/json;q=0` next to a wildcard, do not.
 */
export function acceptsJson(header: string | readonly string[] | undefined): boolean {
  const text = (typeof header === 'string' ? header : (header ?? []).join(',')).trim()
  if (text === '') return true
  let best: { specificity: number; q: number } | null = null
  for (const range of text.split(',')) {
    const [mediaPart, ...params] = range.split(';')
    const media = (mediaPart ?? '').trim().toLowerCase()
    const specificity = media === 'application/json' ? 3 : media === 'application/*' ? 2 : media === '*/*' ? 1 : 0
    if (specificity === 0) continue
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=').map((x: string) => x.trim())
      if (name?.toLowerCase() !== 'q') continue
      const parsed = Number(value)
      // An unreadable weight is read as the default rather than refusing the request over it.
      q = value !== undefined && /^\d(\.\d{0,3})?$/.test(value) && parsed <= 1 ? parsed : 1
    }
    if (best === null || specificity > best.specificity) best = { specificity, q }
    else if (specificity === best.specificity) best = { specificity, q: Math.max(best.q, q) }
  }
  return best !== null && best.q > 0
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
