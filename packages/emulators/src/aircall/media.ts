/**
 * Signed, expiring media URLs (`recording`, `voicemail`, short URLs) served by the emulator itself, so
 * a client that stores `recording` instead of `asset` fails the way it would in production (403).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export class MediaSigner {
  constructor(private readonly secret: string) {}

  url(baseUrl: string, path: string, expiresAtS: number): string {
    return `${baseUrl}${path}?Expires=${expiresAtS}&Signature=${this.signature(path, expiresAtS)}`
  }

  /** "ok" | "expired" | "invalid" for a request path + query at clock time nowS. */
  check(path: string, query: URLSearchParams, nowS: number): 'ok' | 'expired' | 'invalid' {
    const expires = Number(query.get('Expires'))
    const given = query.get('Signature') ?? ''
    if (!Number.isInteger(expires)) return 'invalid'
    const expected = this.signature(path, expires)
    const a = Buffer.from(given)
    const b = Buffer.from(expected)
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'invalid'
    return nowS > expires ? 'expired' : 'ok'
  }

  private signature(path: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('hex').slice(0, 40)
  }
}

/** A tiny but real MP3 frame header so downloaders that sniff content see audio. */
export const FAKE_MP3 = Buffer.from([0xff, 0xfb, 0x90, 0x64, ...new Array<number>(412).fill(0)])
