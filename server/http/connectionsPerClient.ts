import type { Server, Socket } from 'node:net'
import { clientKey } from './clientKey.ts'
import { PlacesPerClient } from './placesPerClient.ts'

/**
 * Caps the TCP connections one client address (`clientKey`) holds open to `server`: past `max`
 * a new one is closed at once. A process has a fixed number of file descriptors (20,000 here),
 * and a connection that sends nothing is only dropped after Node's 60 s header timeout: without
 * a cap one machine could hold every descriptor, and the server could then take no one else's
 * connection (a Zellular node could neither serve its peers nor reach them).
 */
export function limitConnectionsPerClient(server: Server, max: number): void {
  const connections = new PlacesPerClient(max)
  server.on('connection', (socket: Socket) => {
    const release = connections.open(clientKey(socket.remoteAddress))
    if (release === undefined) socket.destroy()
    else socket.once('close', release)
  })
}
