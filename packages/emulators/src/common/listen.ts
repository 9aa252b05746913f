/**
 * Binds a server and reports its base URL (port 0 → the OS-chosen port), plus a close helper that
 * does not hang on keep-alive sockets left open by fetch.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const addr = server.address() as AddressInfo
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return `http://${shownHost}:${addr.port}`
}

export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
}
