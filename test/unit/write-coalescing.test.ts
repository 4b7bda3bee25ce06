import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it, test } from 'node:test';
import {
  BurstTracker,
  GATHER_FROM_IN_FLIGHT,
  gatherThreshold,
  shouldGather,
  WriteCoalescer,
} from '../../src/connector/write-coalescing.js';
import { eventually } from '../../src/testing/index.js';

test('adaptive: a command with few in flight leaves at once (no added latency for a lone caller)', () => {
  assert.equal(shouldGather('adaptive', 0, false), false);
  assert.equal(shouldGather('adaptive', GATHER_FROM_IN_FLIGHT - 1, false), false);
});

test('adaptive: from the threshold in flight, the writes of the tick are gathered', () => {
  assert.equal(shouldGather('adaptive', GATHER_FROM_IN_FLIGHT, false), true);
  assert.equal(shouldGather('adaptive', 50, false), true);
  assert.equal(shouldGather('adaptive', 20, false, 21), false);
  assert.equal(shouldGather('adaptive', 21, false, 21), true);
});

test('the threshold is a third of the last burst, and never below GATHER_FROM_IN_FLIGHT', () => {
  assert.equal(gatherThreshold(0), GATHER_FROM_IN_FLIGHT);
  assert.equal(gatherThreshold(9), GATHER_FROM_IN_FLIGHT, '10 callers: only the last of a burst gather');
  assert.equal(gatherThreshold(49), 17);
  assert.equal(gatherThreshold(199), 67);
});

test('a burst ends when a command finds fewer in flight than the one before; its peak is kept', () => {
  const bursts = new BurstTracker();
  for (let i = 0; i < 50; i++) bursts.note(i); // 50 callers woken by one burst of replies
  assert.equal(bursts.lastBurst, 0, 'not finished yet');
  bursts.note(3); // replies came: the next burst starts
  assert.equal(bursts.lastBurst, 49);
  for (const n of [4, 5, 2]) bursts.note(n);
  assert.equal(bursts.lastBurst, 5, 'a smaller burst lowers it again');
  const lone = new BurstTracker();
  for (let i = 0; i < 100; i++) lone.note(0); // one caller: never anything in flight
  assert.equal(lone.lastBurst, 0);
});

test('a socket already corked for this tick is not corked twice (one uncork per cork)', () => {
  assert.equal(shouldGather('adaptive', 5, true), false);
  assert.equal(shouldGather(true, 0, true), false);
});

test('true gathers every tick, even a lone command; false never gathers', () => {
  assert.equal(shouldGather(true, 0, false), true);
  assert.equal(shouldGather(false, 0, false), false);
  assert.equal(shouldGather(false, 10, false), false);
});

describe('WriteCoalescer on a socket', () => {
  /** A connected socket pair on loopback, and everything the server side received. */
  async function socketPair() {
    const received: Buffer[] = [];
    let serverSide: Socket | undefined;
    const server = createServer((s) => {
      serverSide = s;
      s.on('data', (d) => received.push(d));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    /** What the socket's own write was called with, in order. */
    const writes: unknown[] = [];
    const own = client.write.bind(client);
    client.write = ((chunk: unknown, ...rest: unknown[]) => {
      writes.push(chunk);
      return (own as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof client.write;
    const receivedText = async (length: number) => {
      await eventually(() => Buffer.concat(received).length >= length, { timeoutMs: 2000 });
      return Buffer.concat(received).toString();
    };
    const close = async () => {
      client.destroy();
      serverSide?.destroy();
      await new Promise((resolve) => server.close(resolve));
    };
    return { client, writes, receivedText, close };
  }

  const tick = () => new Promise((resolve) => process.nextTick(resolve));

  it('gathers the strings written in one tick while replies are outstanding into one write', async () => {
    const { client, writes, receivedText, close } = await socketPair();
    try {
      const coalescer = new WriteCoalescer('adaptive');
      coalescer.beforeWrite(client, GATHER_FROM_IN_FLIGHT);
      client.write('a');
      client.write('b');
      coalescer.beforeWrite(client, GATHER_FROM_IN_FLIGHT + 1);
      client.write('c');
      assert.deepEqual(writes, [], 'nothing leaves before the end of the tick');
      await tick();
      assert.deepEqual(writes, ['abc']);
      assert.equal(await receivedText(3), 'abc');
    } finally {
      await close();
    }
  });

  it('writes at once with few in flight (adaptive), and never gathers when off', async () => {
    const { client, writes, close } = await socketPair();
    try {
      new WriteCoalescer('adaptive').beforeWrite(client, GATHER_FROM_IN_FLIGHT - 1);
      client.write('a');
      new WriteCoalescer(false).beforeWrite(client, 5);
      client.write('b');
      assert.deepEqual(writes, ['a', 'b']);
    } finally {
      await close();
    }
  });

  it('keeps the order of writes when a Buffer comes between gathered strings', async () => {
    const { client, writes, receivedText, close } = await socketPair();
    try {
      const coalescer = new WriteCoalescer(true);
      coalescer.beforeWrite(client, 0);
      client.write('a');
      client.write(Buffer.from('B'));
      client.write('c');
      await tick();
      assert.deepEqual(
        writes.map((w) => String(w)),
        ['a', 'B', 'c'],
      );
      assert.equal(await receivedText(3), 'aBc');
    } finally {
      await close();
    }
  });

  it('drops what was gathered for a socket destroyed before the end of the tick, without an error', async () => {
    const { client, writes, close } = await socketPair();
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    try {
      const coalescer = new WriteCoalescer(true);
      coalescer.beforeWrite(client, 0);
      client.write('lost');
      client.destroy();
      await tick();
      assert.deepEqual(writes, []);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
