/**
 * Type tests of the public API, compiled by `npm run typecheck` and never run: each
 * `@ts-expect-error` line is a misuse the types must refuse (the build fails if one compiles),
 * each other line a normal use they must accept. The runtime refusals of the same misuses are
 * tested in test/unit/options.test.ts and the integration tests.
 */
import type { Redis } from 'ioredis';
import type {
  Address,
  MasterPool,
  MasterPoolCommands,
  PoolCommands,
  PoolOptions,
  ReplicaPool,
  ReplicaPoolCommands,
  ReplicationPosition,
  Sentinel,
  Session,
} from '../../src/index.js';

declare const sentinel: Sentinel;
declare const master: MasterPool;
declare const replica: ReplicaPool;
declare const session: Session;

export async function replicaPools(): Promise<void> {
  await replica.get('k');
  await replica.getBuffer('k');
  await replica.hgetall('h');
  await replica.mget('a', 'b');
  await replica.scan('0', 'MATCH', 'k*');
  await replica.evalsha_ro('sha', 0);
  await replica.ping();
  await replica.info('replication');
  await replica.call('CONFIG', 'GET', 'maxmemory'); // anything else a replica takes
  await replica.pipeline().get('a').get('b').exec();
  await replica.withConnection((connection: Redis) => connection.blpop('q', 1));
  const connection = await replica.acquire();
  replica.release(connection);
  // @ts-expect-error: a replica pool has no write commands
  await replica.set('k', 'v');
  // @ts-expect-error: a replica pool has no write commands
  await replica.del('k');
  // @ts-expect-error: a replica pool has no write commands
  await replica.setBuffer;
  // @ts-expect-error: a script may write: eval_ro, or call()
  await replica.eval('return 1', 0);
  // @ts-expect-error: blocking commands need withConnection()
  await replica.blpop('q', 1);
  await replica.quit();
  await replica.disconnect();
}

export async function masterPools(): Promise<void> {
  await master.set('k', 'v');
  await master.get('k');
  await master.hset('h', { f: 'v' });
  await master.eval('return 1', 0);
  await master.publish('channel', 'message');
  await master.multi().incr('n').expire('n', 60).exec();
  await master.pipeline([['set', 'a', '1']]).exec();
  master.defineCommand('getset2', { numberOfKeys: 1, lua: 'return 1' });
  await master.withConnection(async (connection) => {
    await connection.watch('k');
    await connection.blpop('q', 1);
    await connection.subscribe('channel');
  });
  // @ts-expect-error: blocking commands need withConnection()
  await master.blpop('q', 1);
  // @ts-expect-error: blocking commands need withConnection()
  await master.brpoplpushBuffer;
  // @ts-expect-error: subscriptions need withConnection()
  await master.subscribe('channel');
  // @ts-expect-error: WATCH needs withConnection()
  await master.watch('k');
  // @ts-expect-error: SELECT would change the database of a shared connection
  await master.select(1);
  await master.quit();
  await master.disconnect();
}

export async function sessions(): Promise<void> {
  await session.master.set('k', 'v');
  await session.master.multi().set('a', '1').exec();
  await session.replica.get('k');
  await session.replica.pipeline().get('a').exec();
  // @ts-expect-error: session.replica is a replica pool's commands
  await session.replica.set('k', 'v');
  // @ts-expect-error: session.master has no command that needs a dedicated connection
  await session.master.blpop('q', 1);
  const position: ReplicationPosition | undefined = session.position;
  if (position) {
    const address: Address = position.master;
    const offset: number = position.offset;
    // @ts-expect-error: the master is { host, port }, as every other address
    const text: string = position.master;
    void [address, offset, text];
  }
  const token: string = session.token;
  sentinel.session('mymaster', {
    after: token,
    timeoutMs: 50,
    waitForReplicas: { replicas: 1, timeoutMs: 10 },
  });
}

export function poolOptions(): void {
  sentinel.masterFor('mymaster', {
    poolSize: 2,
    retryWrites: true,
    waitForReplicas: { replicas: 1, timeoutMs: 100 },
  });
  sentinel.replicaFor('mymaster', { poolSize: 2, balance: 'least-latency', fallbackToMaster: false });
  // @ts-expect-error: balance is a replicaFor() option
  sentinel.masterFor('mymaster', { balance: 'random' });
  // @ts-expect-error: fallbackToMaster is a replicaFor() option
  sentinel.masterFor('mymaster', { fallbackToMaster: false });
  // @ts-expect-error: waitForReplicas is a masterFor() option
  sentinel.replicaFor('mymaster', { waitForReplicas: { replicas: 1, timeoutMs: 100 } });
  // @ts-expect-error: not a strategy
  sentinel.replicaFor('mymaster', { balance: 'fastest' });
  // The deprecated PoolOptions still compiles where it did.
  const legacy: PoolOptions = { poolSize: 2 };
  sentinel.masterFor('mymaster', legacy);
  sentinel.replicaFor('mymaster', legacy);
}

export function commandTypes(): void {
  const asMaster: MasterPoolCommands = master;
  const asReplica: ReplicaPoolCommands = replica;
  // A function that takes either pool takes the commands both have.
  const either: PoolCommands[] = [master, replica, session.master, session.replica];
  // @ts-expect-error: a replica pool is not a master pool
  const wrong: MasterPoolCommands = replica;
  void [asMaster, asReplica, either, wrong];
}

export function events(): void {
  sentinel.on('masterChanged', ({ name, from, to, sentinel: by }) => {
    const moved: [string, Address | undefined, Address, Address] = [name, from, to, by];
    void moved;
  });
  sentinel.once('failoverEnded', (event) => event.aborted);
  sentinel.on('error', (error) => error.message);
  sentinel
    .off('replicaUp', () => undefined)
    .setMaxListeners(20)
    .on('replicaDown', () => undefined);
  // @ts-expect-error: Argument of type '"masterChange"' is not assignable to parameter of type 'keyof SentinelEventMap'
  sentinel.on('masterChange', () => undefined);
  // @ts-expect-error: the payload of masterChanged has no "master"
  sentinel.on('masterChanged', (event) => event.master);
}

export function construction(S: typeof Sentinel): void {
  new S('127.0.0.1:26379');
  new S([{ host: '127.0.0.1', port: 26379 }], { socketTimeout: 500 });
  // @ts-expect-error: the sentinels to ask are required
  new S();
}
