/**
 * The write lease's question to every sentinel at once: `SENTINEL MYID` (once per connection:
 * votes are counted by run id, not by address) and `SENTINEL MASTER <name>` (the master it
 * names, its configuration epoch, its flags and `down-after-milliseconds`), each bounded by
 * `timeoutMs`. Rides on the sentinel connections the client already holds.
 */
import { formatAddress } from '../address.js';
import type { LeaseAnswer } from '../topology.js';
import type { SentinelClient } from './sentinel-client.js';
import { fieldsOf, parseMasterState } from './sentinel-replies.js';
import type { SentinelSet } from './sentinel-set.js';

const runIds = new WeakMap<SentinelClient, string>();

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function askOne(
  client: SentinelClient,
  name: string,
  timeoutMs: number,
): Promise<LeaseAnswer | undefined> {
  const startedAt = performance.now();
  const known = runIds.get(client);
  const [runId, reply] = await withTimeout(
    Promise.all([known ?? client.ask('MYID').then(String), client.ask('MASTER', name)]),
    timeoutMs,
  );
  runIds.set(client, runId);
  const state = parseMasterState(reply);
  if (state === undefined) return undefined;
  const downAfter = Number(fieldsOf(reply).get('down-after-milliseconds'));
  return {
    runId,
    master: formatAddress(state),
    epoch: state.configEpoch ?? 0,
    isMasterDown: state.flags.includes('s_down') || state.flags.includes('o_down'),
    downAfterMs: Number.isFinite(downAfter) ? downAfter : undefined,
    roundTripMs: performance.now() - startedAt,
  };
}

/** Asks every known sentinel at once; a sentinel that fails or is slow gives no answer. */
export async function askLeaseConfirmations(
  set: SentinelSet,
  name: string,
  timeoutMs: number,
): Promise<{ answers: LeaseAnswer[]; sentinelCount: number }> {
  const clients = set.connectedClients();
  const settled = await Promise.allSettled(clients.map((client) => askOne(client, name, timeoutMs)));
  const answers = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
  return { answers, sentinelCount: set.addresses().length };
}
