/**
 * A loopback TCP proxy in front of one server: the client reaches the server at another address,
 * as behind NAT or a Docker port mapping (what `natMap` is for). Bytes pass through unchanged,
 * unless a fault mode is set ({@link TcpProxy.setMode}): faults a real server cannot produce,
 * injected into the server → client direction of every connection, current and future.
 *
 * - `pass` (default): bytes go through as they come.
 * - `stall-mid-reply`: the next chunk from the server is cut in half; its first half is
 *   forwarded, then that connection forwards nothing more, **for good**: the bytes held back and
 *   everything after them are dropped, even once the mode changes again. A stream cut inside a
 *   reply cannot be parsed correctly after that, so the client must drop the connection itself;
 *   a client that kept it would never recover. Connections made after the mode changed back to
 *   `pass` work normally.
 * - `garbage`: bytes that are not RESP ({@link GARBAGE}) go before the next chunk from the
 *   server, once per connection for each switch to `garbage` (a connection made while the mode
 *   stays `garbage` gets them before its first reply, the handshake's).
 * - `slow`: every chunk is held `delayMs` before it is forwarded (added latency, not a slower
 *   link: chunks do not wait for each other), order kept.
 *
 * The client → server direction is never touched.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { NodeAddress } from '../../src/testing/index.js';

/** What `garbage` injects: a byte no RESP type starts with, then more junk up to a line end. */
export const GARBAGE = Buffer.from('\x00\xffnot resp\r\n', 'latin1');

/** A fault mode of the server → client direction; see the module comment. */
export type ProxyMode =
  | { kind: 'pass' }
  | { kind: 'stall-mid-reply' }
  | { kind: 'garbage' }
  | { kind: 'slow'; delayMs: number };

/** One client connection through the proxy and its upstream. */
class Link {
  /** Cut mid-reply: nothing more goes to the client. */
  isStalled = false;
  /** Who ended the connection first, once it ended. */
  endedBy: 'client' | 'server' | 'proxy' | undefined;
  /** The mode switch (see {@link TcpProxy.setMode}) whose garbage this link already got. */
  garbageSwitch = -1;
  /** Chunks waiting for their time (slow mode), in order. */
  private readonly delayed: Array<{ at: number; data: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;
  private isPaused = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
  ) {}

  /** Forwards `data` after `delayMs`, after every chunk queued before it. */
  send(data: Buffer, delayMs: number): void {
    if (data.length === 0) return;
    if (delayMs <= 0 && this.delayed.length === 0) {
      this.write(data);
      return;
    }
    this.delayed.push({ at: performance.now() + delayMs, data });
    this.arm();
  }

  /** Drops whatever waits (the connection is gone). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.delayed.length = 0;
  }

  private arm(): void {
    if (this.timer || this.delayed.length === 0) return;
    const wait = Math.max(0, this.delayed[0]!.at - performance.now());
    // Unref'd: the proxy's own timers are no client's handles, and never keep the test alive.
    this.timer = setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.delayed.length > 0 && this.delayed[0]!.at <= now) this.write(this.delayed.shift()!.data);
    this.arm();
  }

  private write(data: Buffer): void {
    if (this.client.destroyed) return;
    if (!this.client.write(data) && !this.isPaused) {
      this.isPaused = true;
      this.upstream.pause();
      this.client.once('drain', () => {
        this.isPaused = false;
        this.upstream.resume();
      });
    }
  }
}

/** A running proxy; {@link TcpProxy.close} ends every connection through it. */
export class TcpProxy {
  private readonly links = new Set<Link>();
  /** Every socket the proxy ever made or accepted (closed ones included). */
  private readonly own = new WeakSet<Socket>();
  private modeValue: ProxyMode = { kind: 'pass' };
  /** Counts mode switches, so that `garbage` hits each connection once per switch. */
  private switchCount = 0;
  private faults = 0;
  private accepted = 0;
  private droppedByClient = 0;

  private constructor(
    private readonly server: Server,
    /** Where the proxy listens. */
    readonly address: NodeAddress,
  ) {}

  /** Listens on 127.0.0.1 at a free port and forwards every connection to `target`. */
  static async start(target: NodeAddress): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, target));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    proxy = new TcpProxy(server, { host: '127.0.0.1', port });
    return proxy;
  }

  private accept(client: Socket, target: NodeAddress): void {
    const upstream = createConnection(target.port, target.host);
    const link = new Link(client, upstream);
    this.own.add(client);
    this.own.add(upstream);
    this.links.add(link);
    this.accepted += 1;
    client.on('close', () => this.end(link, 'client'));
    client.on('error', () => this.end(link, 'client'));
    upstream.on('close', () => this.end(link, 'server'));
    upstream.on('error', () => this.end(link, 'server'));
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => this.forward(link, chunk));
  }

  /** Ends both sides of a connection; the first caller names who ended it. */
  private end(link: Link, by: 'client' | 'server' | 'proxy'): void {
    if (link.endedBy) return;
    link.endedBy = by;
    if (by === 'client') this.droppedByClient += 1;
    this.links.delete(link);
    link.clear();
    link.client.destroy();
    link.upstream.destroy();
  }

  /** The server → client direction: where every fault is applied. */
  private forward(link: Link, chunk: Buffer): void {
    if (link.isStalled) return;
    const mode = this.modeValue;
    if (mode.kind === 'stall-mid-reply') {
      link.isStalled = true;
      this.faults += 1;
      link.send(chunk.subarray(0, Math.floor(chunk.length / 2)), 0);
    } else if (mode.kind === 'garbage' && link.garbageSwitch !== this.switchCount) {
      link.garbageSwitch = this.switchCount;
      this.faults += 1;
      link.send(Buffer.concat([GARBAGE, chunk]), 0);
    } else {
      link.send(chunk, mode.kind === 'slow' ? mode.delayMs : 0);
    }
  }

  /** The current fault mode. */
  get mode(): ProxyMode {
    return this.modeValue;
  }

  /** Switches the fault mode, at once, for every connection (current and future). */
  setMode(mode: ProxyMode): void {
    this.modeValue = mode;
    this.switchCount += 1;
  }

  /** Connections faulted so far: cut mid-reply (`stall-mid-reply`) or sent garbage (`garbage`). */
  get faultCount(): number {
    return this.faults;
  }

  /** Connections accepted so far. */
  get connectionCount(): number {
    return this.accepted;
  }

  /**
   * Connections the client closed (the server and the proxy did not). The servers behind a
   * faulty proxy are healthy, so this is how a test sees that the client gave up on one.
   */
  get droppedByClientCount(): number {
    return this.droppedByClient;
  }

  /** Connections through the proxy now. */
  get openConnectionCount(): number {
    return this.links.size;
  }

  /**
   * Whether `socket` is one of the proxy's own (accepted from a client, or to the server), so
   * that a check for sockets left after a client's `quit()` can leave it out.
   */
  owns(socket: Socket): boolean {
    return this.own.has(socket);
  }

  /**
   * Resets every connection through the proxy at once (TCP RST to the client, as from a server
   * that died): the client's next socket write fails with ECONNRESET/EPIPE.
   */
  resetAll(): void {
    for (const link of [...this.links]) {
      link.client.resetAndDestroy();
      this.end(link, 'proxy');
    }
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const link of [...this.links]) this.end(link, 'proxy');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
