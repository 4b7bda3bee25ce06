/**
 * A misbehaving sentinel, which a real one cannot be made into: a loopback RESP server that
 * answers what the library asks a sentinel (`HELLO`, `CLIENT SETINFO`, `SUBSCRIBE`, `PING`,
 * `SENTINEL get-master-addr-by-name | master | replicas | slaves | sentinels`) and names as the
 * master an address the client must not use. Unknown commands get an error, as from a real server.
 *
 * The address it names is a "trap": a listener on another loopback address (127.0.0.2), outside
 * the client's `allowedHosts`, that only counts the connections it gets, so a test can assert
 * that none was made. Everything stays on 127.0.0.x.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { NodeAddress } from '../../src/testing/index.js';

/** Where the trap listens: loopback, but not 127.0.0.1. */
const TRAP_HOST = '127.0.0.2';

/** One connection: the protocol it negotiated and its subscriptions. */
interface Peer {
  socket: Socket;
  resp3: boolean;
  channels: Set<string>;
  buffer: Buffer;
}

/** RESP values the fake sends. */
type Reply =
  | { simple: string }
  | { error: string }
  | string
  | number
  | null
  | Reply[]
  | { map: Array<[string, Reply]> }
  | { push: Reply[] };

function encode(reply: Reply, resp3: boolean): string {
  if (reply === null) return resp3 ? '_\r\n' : '$-1\r\n';
  if (typeof reply === 'number') return `:${reply}\r\n`;
  if (typeof reply === 'string') return `$${Buffer.byteLength(reply)}\r\n${reply}\r\n`;
  if (Array.isArray(reply)) return `*${reply.length}\r\n${reply.map((r) => encode(r, resp3)).join('')}`;
  if ('simple' in reply) return `+${reply.simple}\r\n`;
  if ('error' in reply) return `-${reply.error}\r\n`;
  if ('push' in reply) {
    const items = reply.push.map((r) => encode(r, resp3)).join('');
    return `${resp3 ? '>' : '*'}${reply.push.length}\r\n${items}`;
  }
  const pairs = reply.map.map(([k, v]) => encode(k, resp3) + encode(v, resp3)).join('');
  return resp3 ? `%${reply.map.length}\r\n${pairs}` : `*${reply.map.length * 2}\r\n${pairs}`;
}

/**
 * Takes one command (`*N` of bulk strings, as every client sends) off the front of `buffer`:
 * the command and the rest, or undefined while it is incomplete.
 */
function parseCommand(buffer: Buffer): { args: string[]; rest: Buffer } | undefined {
  let offset = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', offset);
    if (end < 0) return undefined;
    const text = buffer.toString('latin1', offset, end);
    offset = end + 2;
    return text;
  };
  const header = line();
  if (header === undefined) return undefined;
  if (!header.startsWith('*'))
    throw new Error(`fake sentinel: expected an array, got ${header.slice(0, 20)}`);
  const args: string[] = [];
  for (let i = Number(header.slice(1)); i > 0; i--) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < offset + length + 2) return undefined;
    args.push(buffer.toString('utf8', offset, offset + length));
    offset += length + 2;
  }
  return { args, rest: buffer.subarray(offset) };
}

/** A running fake sentinel and its trap; see the module comment. */
export class FakeSentinel {
  /** Every command received, name upper-cased, e.g. `['SENTINEL', 'get-master-addr-by-name', 'mymaster']`. */
  readonly commands: string[][] = [];
  /** Connections the trap got: must stay 0. */
  trapConnections = 0;
  private readonly peers = new Set<Peer>();
  private readonly trapSockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly trap: Server,
    /** Where the fake sentinel listens (127.0.0.1). */
    readonly address: NodeAddress,
    /** The address it names as the master (127.0.0.2). */
    readonly trapAddress: NodeAddress,
    private readonly masterName: string,
  ) {}

  /** Starts the trap on 127.0.0.2 and the fake on 127.0.0.1, both at free ports. */
  static async start(masterName: string): Promise<FakeSentinel> {
    let fake: FakeSentinel | undefined;
    const trap = createServer((socket) => {
      if (!fake) return socket.destroy();
      fake.trapConnections++;
      fake.trapSockets.add(socket);
      socket.on('close', () => fake?.trapSockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
    const server = createServer((socket) => fake?.accept(socket));
    trap.listen(0, TRAP_HOST);
    server.listen(0, '127.0.0.1');
    await Promise.all([once(trap, 'listening'), once(server, 'listening')]);
    const portOf = (s: Server) => (s.address() as { port: number }).port;
    fake = new FakeSentinel(
      server,
      trap,
      { host: '127.0.0.1', port: portOf(server) },
      { host: TRAP_HOST, port: portOf(trap) },
      masterName,
    );
    return fake;
  }

  /** How many commands named `name` (and `sub`command) it received. */
  count(name: string, sub?: string): number {
    return this.commands.filter(
      ([n, s]) => n === name.toUpperCase() && (sub === undefined || s?.toLowerCase() === sub.toLowerCase()),
    ).length;
  }

  /** Publishes a message to every connection subscribed to `channel`; how many got it. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    for (const peer of this.peers) {
      if (!peer.channels.has(channel)) continue;
      peer.socket.write(encode({ push: ['message', channel, message] }, peer.resp3));
      receivers++;
    }
    return receivers;
  }

  /** Whether a socket of this process is one of the fake's own (server side, or the trap's). */
  isOwnSocket(socket: Socket): boolean {
    return socket.localPort === this.address.port || socket.localPort === this.trapAddress.port;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const peer of this.peers) peer.socket.destroy();
    for (const socket of this.trapSockets) socket.destroy();
    await Promise.all(
      [this.server, this.trap].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  }

  private accept(socket: Socket): void {
    const peer: Peer = { socket, resp3: false, channels: new Set(), buffer: Buffer.alloc(0) };
    this.peers.add(peer);
    socket.on('close', () => this.peers.delete(peer));
    socket.on('error', () => socket.destroy());
    socket.on('data', (data) => {
      peer.buffer = Buffer.concat([peer.buffer, data]);
      try {
        for (let next = parseCommand(peer.buffer); next; next = parseCommand(peer.buffer)) {
          peer.buffer = next.rest;
          this.commands.push([next.args[0]?.toUpperCase() ?? '', ...next.args.slice(1)]);
          for (const reply of this.answer(peer, next.args)) socket.write(encode(reply, peer.resp3));
        }
      } catch {
        socket.destroy();
      }
    });
  }

  /** The replies to one command (SUBSCRIBE gives one per channel). */
  private answer(peer: Peer, [name = '', ...args]: string[]): Reply[] {
    switch (name.toUpperCase()) {
      case 'HELLO': {
        if (args[0] !== undefined && args[0] !== '2' && args[0] !== '3') {
          return [{ error: 'NOPROTO unsupported protocol version' }];
        }
        peer.resp3 = args[0] === '3';
        const info: Array<[string, Reply]> = [
          ['server', 'redis'],
          ['version', '7.0.15'],
          ['proto', peer.resp3 ? 3 : 2],
          ['id', 1],
          ['mode', 'sentinel'],
          ['role', 'master'],
          ['modules', []],
        ];
        return [{ map: info }];
      }
      case 'PING':
        return [{ simple: 'PONG' }];
      case 'CLIENT':
        return [{ simple: 'OK' }];
      case 'SUBSCRIBE':
        return args.map((channel) => {
          peer.channels.add(channel);
          return { push: ['subscribe', channel, peer.channels.size] };
        });
      case 'SENTINEL':
        return [this.answerSentinel(args)];
      default:
        return [{ error: `ERR unknown command '${name}', with args beginning with: ` }];
    }
  }

  private answerSentinel([sub = '', name]: string[]): Reply {
    const isKnown = name === this.masterName;
    switch (sub.toLowerCase()) {
      case 'get-master-addr-by-name':
        return isKnown ? [this.trapAddress.host, String(this.trapAddress.port)] : null;
      case 'master':
        if (!isKnown) return { error: 'ERR No such master with that name' };
        return {
          map: [
            ['name', this.masterName],
            ['ip', this.trapAddress.host],
            ['port', String(this.trapAddress.port)],
            ['flags', 'master'],
            ['num-other-sentinels', '2'],
            ['quorum', '2'],
            ['config-epoch', '0'],
          ],
        };
      case 'replicas':
      case 'slaves':
      case 'sentinels':
        return isKnown ? [] : { error: 'ERR No such master with that name' };
      default:
        return { error: `ERR Unknown sentinel subcommand '${sub}'` };
    }
  }
}
