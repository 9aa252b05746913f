import { createHmac, timingSafeEqual } from 'node:crypto'

/** Constant-time string comparison: a mismatch takes the same time wherever the first differing byte is. */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  // Compare against itself when lengths differ so the time does not reveal the expected length cheaply.
  if (left.length !== right.length) {
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}

/** Aircall sends no signature: the only proof is the webhook's token inside the JSON body. */
export const verifyAircallToken = (bodyToken: unknown, expected: string): boolean =>
  typeof bodyToken === 'string' && constantTimeEqual(bodyToken, expected)

export const intercomSignature = (rawBody: Buffer | string, clientSecret: string): string =>
  `sha1=${createHmac('sha1', clientSecret).update(rawBody).digest('hex')}`

/** `X-Hub-Signature: sha1=<hex HMAC-SHA1(client_secret, raw body)>`, checked before the body is parsed. */
export const verifyIntercomSignature = (
  rawBody: Buffer,
  header: string | string[] | undefined,
  clientSecret: string,
): boolean => {
  if (typeof header !== 'string') return false
  return constantTimeEqual(header.trim().toLowerCase(), intercomSignature(rawBody, clientSecret))
}
