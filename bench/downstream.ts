/**
 * The downstream bench: BullMQ jobs, connect-redis sessions, rate-limiter-flexible points and
 * socket.io adapter events, all four at once on one client kind, across a graceful failover and a
 * master SIGKILL, counted on the final master (the workloads of test/helpers/downstream/). This
 * library's `redisFor()` against ioredis in Sentinel mode, defaults and `failoverDetector: true`,
 * in interleaved rounds on one topology (restored between runs). Runs in which Sentinel failed
 * over twice are run again.
 *
 *   node --import tsx bench/downstream.ts [--rounds=N] [--clients=a,b] [--disruptions=graceful,sigkill]
 *
 * Prints a markdown table of the losses (median and min–max over the rounds) and writes
 * bench/results/downstream.json and downstream.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTopology } from '../src/testing/index.js';
import { BullmqWorkload } from '../test/helpers/downstream/bullmq-workload.js';
import { DISRUPTIONS, type Disruption } from '../test/helpers/downstream/disruption.js';
import { RateLimiterWorkload } from '../test/helpers/downstream/rate-limiter-workload.js';
import { SessionWorkload } from '../test/helpers/downstream/session-workload.js';
import { SocketIoWorkload } from '../test/helpers/downstream/socket-io-workload.js';
import { acrossFailover, type ClientFor, type Workload } from '../test/helpers/downstream/workload.js';
import { withTimeout } from './lib/clock.js';
import {
  clientSet,
  DOWNSTREAM_CLIENT_LABELS,
  DOWNSTREAM_CLIENTS,
  type DownstreamClient,
} from './lib/downstream-clients.js';
import { type DownstreamMetrics, metricsOf, type RunRecord, renderTable } from './lib/downstream-report.js';
import { Progress } from './lib/progress.js';

const USAGE =
  'usage: node --import tsx bench/downstream.ts [--rounds=N] [--clients=a,b] [--disruptions=graceful,sigkill]';
const MAX_ATTEMPTS = 3;
const CLOSE_MS = 10_000;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').filter((x) => x !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`unknown ${what} "${item}" (${allowed.join(', ')})\n${USAGE}`);
    }
  }
  return items as T[];
}

function parseArgs(argv: string[]) {
  let rounds = 3;
  let clients: DownstreamClient[] = [...DOWNSTREAM_CLIENTS];
  let disruptions: Disruption[] = [...DISRUPTIONS];
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=');
    if (key === '--rounds' && /^[1-9]\d*$/.test(value)) rounds = Number(value);
    else if (key === '--clients') clients = list(value, DOWNSTREAM_CLIENTS, 'client');
    else if (key === '--disruptions') disruptions = list(value, DISRUPTIONS, 'disruption');
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return { rounds, clients, disruptions };
}

/** The four workloads as one: progress is the least of theirs. */
function allOf(clientFor: ClientFor): Workload<DownstreamMetrics> {
  const parts = {
    bullmq: new BullmqWorkload(clientFor, 20_000),
    sessions: new SessionWorkload(clientFor),
    points: new RateLimiterWorkload(clientFor()),
    events: new SocketIoWorkload(clientFor),
  };
  const each = Object.values(parts) as Workload<unknown>[];
  return {
    acknowledged: () => Math.min(...each.map((w) => w.acknowledged())),
    stop: async () => {
      await Promise.all(each.map((w) => w.stop()));
    },
    count: async (sw) =>
      metricsOf({
        bullmq: await parts.bullmq.count(sw),
        sessions: await parts.sessions.count(sw),
        points: await parts.points.count(sw),
        events: await parts.events.count(sw),
      }),
    close: async () => {
      await Promise.all(each.map((w) => withTimeout(w.close(), CLOSE_MS, 'close').catch(() => {})));
    },
  };
}

/** One run: a fresh client set, the four workloads across `disruption`, everything closed after. */
async function runOnce(topology: LocalTopology, client: DownstreamClient, disruption: Disruption) {
  const clients = clientSet(client, topology.sentinelAddresses(), topology.masterName);
  const workload = allOf(clients.clientFor);
  const doubles = topology.doubleFailoverCount;
  try {
    const run = await acrossFailover(topology, disruption, workload);
    const excluded =
      topology.doubleFailoverCount > doubles || topology.masterAddress().port !== run.sw.to.port
        ? 'Sentinel failed over twice'
        : undefined;
    return { metrics: run.result, progressed: run.progressed, excluded };
  } finally {
    await workload.close();
    await clients.close(CLOSE_MS);
    await topology.restore();
  }
}

async function main(): Promise<void> {
  const { rounds, clients, disruptions } = parseArgs(process.argv.slice(2));
  const progress = new Progress();
  const startedAt = new Date();
  const topology = await LocalTopology.start();
  const records: RunRecord[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const disruption of disruptions) {
        for (const client of clients) {
          for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            progress.update(`round ${round}/${rounds}: ${client}, ${disruption} (attempt ${attempt})`);
            const run = await runOnce(topology, client, disruption).catch((error: Error) => ({
              metrics: undefined,
              progressed: false,
              excluded: `failed: ${error.message}`,
            }));
            records.push({ client, disruption, round, attempt, ...run });
            if (run.excluded === undefined) break;
          }
        }
      }
    }
  } finally {
    progress.done();
    await topology.stop();
  }
  const header = [
    `Downstream bench, ${startedAt.toISOString().slice(0, 10)}: \`npm run bench:downstream -- --rounds=${rounds}\`,`,
    `${rounds} interleaved rounds; LocalTopology (1 master, 2 replicas, 3 sentinels, loopback).`,
    ...clients.map((c) => `- ${c}: ${DOWNSTREAM_CLIENT_LABELS[c]}`),
  ].join('\n');
  const markdown = `${header}\n\n${renderTable(records, clients, disruptions)}\n`;
  console.log(markdown);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'downstream.json'), `${JSON.stringify({ startedAt, rounds, records }, null, 2)}\n`);
  writeFileSync(join(dir, 'downstream.md'), markdown);
}

await main();
