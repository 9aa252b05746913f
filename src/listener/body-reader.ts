import type { IncomingMessage, ServerResponse } from 'node:http'

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`)
    this.name = 'BodyTooLargeError'
  }
}

/** A Content-Length that already says the body is over the limit: refused before a byte of it is read. */
export const declaredTooLarge = (request: IncomingMessage, limit: number): boolean => {
  const declared = Number(request.headers['content-length'])
  return Number.isFinite(declared) && declared > limit
}

/**
 * Reads the body, counting bytes as they stream: a chunked body has no Content-Length to check first. Past the
 * limit it stops keeping chunks and rejects, but it does not destroy the socket: a reset would reach the client
 * before the 413 it is owed (see answerBeforeBody for how the rest is drained).
 */
export const readBody = (request: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      chunks.length = 0
      request.off('data', onData)
      request.off('end', onEnd)
      // Keep the bytes flowing (and away) until the refusal takes over the draining.
      request.resume()
      reject(new BodyTooLargeError(limit))
    }
    const onEnd = (): void => resolve(Buffer.concat(chunks, size))
    request.on('data', onData)
    request.once('end', onEnd)
    request.once('error', reject)
  })

/**
 * Answers a request whose body has not been (fully) read: early refusals (too large, no signature) and 413s.
 * The whole answer is written at once with Connection: close, so the client has it, but the response is only
 * ended once the client has stopped sending: closing while its bytes are still arriving makes the kernel send
 * a reset, which can destroy the unread answer on the client's side. What arrives meanwhile is discarded, up to
 * `drainLimit` bytes; a client still sending after that is cut off (the request timeout bounds the time).
 */
export const answerBeforeBody = (
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  text: string,
  drainLimit: number,
): void => {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text), connection: 'close' })
  if (request.complete) {
    response.end(text)
    return
  }
  response.write(text)
  let drained = 0
  const finish = (): void => {
    request.off('data', discard)
    if (!response.writableEnded) response.end()
  }
  const discard = (chunk: Buffer): void => {
    drained += chunk.length
    if (drained > drainLimit) {
      request.off('data', discard)
      request.socket.destroy()
    }
  }
  request.on('data', discard)
  request.once('end', finish)
  request.once('close', finish)
  request.resume()
}
