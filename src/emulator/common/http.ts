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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
