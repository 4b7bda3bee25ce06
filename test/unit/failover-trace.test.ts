/**
 * FailoverTrace and the channels it publishes on, without servers: a hold's start and end, the
 * reaction to a new master (only from the first answer of that master, only when someone
 * subscribes), and the answer watch it turns on and off. Also the timeline lines of the CLI.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, it } from 'node:test';
import { timelineLine } from '../../src/cli/watch-timeline.js';
import { CHANNELS, type FailoverMessage, type ReactionMessage } from '../../src/index.js';
import { FailoverTrace } from '../../src/observability/failover-trace.js';

const A = { host: '127.0.0.1', port: 7001 };
const B = { host: '127.0.0.1', port: 7002 };

describe('FailoverTrace', () => {
  const failovers: FailoverMessage[] = [];
  const reactions: ReactionMessage[] = [];
  const onFailover = (m: unknown) => failovers.push(m as FailoverMessage);
  const onReaction = (m: unknown) => reactions.push(m as ReactionMessage);
  afterEach(() => {
    unsubscribe(CHANNELS.failover, onFailover);
    unsubscribe(CHANNELS.reaction, onReaction);
    failovers.length = 0;
    reactions.length = 0;
  });

  it('publishes a hold once: start, then end with its duration, count and cause', () => {
    subscribe(CHANNELS.failover, onFailover);
    const trace = new FailoverTrace('mymaster', 'masterFor');
    trace.holdEnded('masterChanged', 3); // no hold: nothing
    trace.holdStarted();
    trace.holdStarted(); // idempotent while it runs
    trace.holdEnded('masterChanged', 3);
    trace.holdEnded('closed', 0); // already ended
    assert.deepEqual(
      failovers.map((f) => [f.phase, f.heldCommands, f.endedBy]),
      [
        ['start', undefined, undefined],
        ['end', 3, 'masterChanged'],
      ],
    );
    assert.ok(failovers[1]!.heldMs! >= 0);
    assert.equal(failovers[1]!.name, 'mymaster');
  });

  it('times the reaction from the announcement to the first answer of the new master only', () => {
    subscribe(CHANNELS.reaction, onReaction);
    const watching: boolean[] = [];
    const trace = new FailoverTrace('mymaster', 'masterFor', (isOn) => watching.push(isOn));
    trace.masterAnnounced(A, undefined); // the first master a pool learns: no reaction
    assert.deepEqual(watching, []);
    trace.masterAnnounced(B, A);
    trace.answeredBy(A); // an answer from the old master does not count
    trace.answeredBy(B);
    trace.answeredBy(B); // only the first
    assert.deepEqual(watching, [true, false]);
    assert.equal(reactions.length, 1);
    assert.equal(reactions[0]!.master, '127.0.0.1:7002');
    assert.equal(reactions[0]!.kind, 'masterFor');
    assert.ok(reactions[0]!.ms >= 0);
  });

  it('with no subscriber builds no message and never watches answers', () => {
    const watching: boolean[] = [];
    const trace = new FailoverTrace('mymaster', 'masterFor', (isOn) => watching.push(isOn));
    trace.holdStarted();
    trace.holdEnded('timeout', 1);
    trace.masterAnnounced(B, A);
    trace.answeredBy(B);
    assert.deepEqual(watching, []);
    assert.equal(failovers.length + reactions.length, 0);
  });
});

describe('watch --timeline lines', () => {
  it('says what the client did', () => {
    assert.equal(
      timelineLine({
        channel: 'master-changed',
        message: {
          name: 'm',
          from: '127.0.0.1:1',
          to: '127.0.0.1:2',
          via: '127.0.0.1:3',
          reason: '+switch-master',
        },
      }),
      'client: master announced 127.0.0.1:1 -> 127.0.0.1:2 (+switch-master from 127.0.0.1:3)',
    );
    const end: FailoverMessage = {
      name: 'm',
      kind: 'masterFor',
      phase: 'end',
      heldMs: 812.4,
      heldCommands: 1,
      endedBy: 'masterChanged',
    };
    assert.equal(
      timelineLine({ channel: 'failover', message: end }),
      'client: hold end after 812 ms, 1 command held (masterChanged)',
    );
    assert.equal(
      timelineLine({
        channel: 'reaction',
        message: { name: 'm', kind: 'masterFor', master: '127.0.0.1:2', ms: 3.21 },
      }),
      'client: first answer from the new master 127.0.0.1:2, 3.2 ms after the announcement',
    );
  });
});
