/**
 * A loopback TCP proxy in front of one server: the client reaches the server at another address,
 * as behind NAT or a Docker port mapping (what `natMap` is for). Bytes pass through unchanged.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { NodeAddress } from '../../src/testing/index.js';

/** A running proxy; {@link TcpProxy.close} ends every connection through it. */
export class TcpProxy {
  /** The client-facing sockets (what {@link resetAll} resets) and the upstream ones. */
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** Where the proxy listens. */
    readonly address: NodeAddress,
  ) {}

  /** Listens on 127.0.0.1 at a free port and forwards every connection to `target`. */
  static async start(target: NodeAddress): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      const upstream = createConnection(target.port, target.host);
      proxy?.sockets.add(client);
      proxy?.upstreams.add(upstream);
      client.on('close', () => {
        proxy?.sockets.delete(client);
        upstream.destroy();
      });
      upstream.on('close', () => {
        proxy?.upstreams.delete(upstream);
        client.destroy();
      });
      for (const socket of [client, upstream]) {
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    proxy = new TcpProxy(server, { host: '127.0.0.1', port });
    return proxy;
  }

  /**
   * Resets every connection through the proxy at once (TCP RST to the client, as from a server
   * that died): the client's next socket write fails with ECONNRESET/EPIPE.
   */
  resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const socket of [...this.sockets, ...this.upstreams]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
