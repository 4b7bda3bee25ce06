/**
 * What the demo prints about a failover (pure): lines that fit a 100-column terminal, the
 * reaction measured from the announcement the client moved on, what 0 s of the per-second
 * figures is, and the heading on its own so that it can come before the wait.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailoverOutcome } from '../../src/cli/demo-failover.js';
import { renderFailover, renderFailoverHeading } from '../../src/cli/demo-report.js';
import { MAX_LINE_WIDTH, painterFor, wrap } from '../../src/cli/output.js';

const plain = painterFor({ isTTY: false }, {});

function outcome(overrides: Partial<FailoverOutcome> = {}): FailoverOutcome {
  return {
    kind: 'sigkill',
    trigger: 'SIGKILL of the master 127.0.0.1:44907',
    durableWrites: true,
    from: '127.0.0.1:44907',
    to: '127.0.0.1:41233',
    steps: [
      { atMs: 1500, what: '+sdown master 127.0.0.1:44907 (from 127.0.0.1:43723)' },
      { atMs: 1800, what: '+selected-slave slave 127.0.0.1:41233 (from 127.0.0.1:37971)' },
      { atMs: 2700, what: '+promoted-slave slave 127.0.0.1:41233 (from 127.0.0.1:37971)' },
      { atMs: 2760, what: '+switch-master 127.0.0.1:44907 -> 127.0.0.1:41233' },
    ],
    switchAnnouncedMs: 2760,
    announcedBy: ['127.0.0.1:43723', '127.0.0.1:38053', '127.0.0.1:37971'],
    reactionFrom: '+promoted-slave',
    announcedMs: 2700,
    masterChangedMs: 2701,
    firstAnswerMs: 2720,
    firstWriteMs: 2790,
    reactionMs: 90,
    answerReactionMs: 20,
    writesPerSecond: [1643, 4, 0, 309, 921],
    readsPerSecond: [808, 894, 691, 145, 533],
    errors: {
      'write ConnectionLostError': 4,
      'write ReplyError NOREPLICAS': 1,
      'write ReplicationTimeoutError': 2,
    },
    acknowledgedWrites: 3319,
    lostWrites: 0,
    duplicateWrites: 0,
    isDoubleFailover: false,
    ...overrides,
  };
}

describe('demo report', () => {
  it('keeps every line of a failover section within 100 columns', () => {
    const lines = [...renderFailoverHeading(4, 'sigkill', plain), ...renderFailover(outcome(), 3, plain)];
    for (const line of lines) assert.ok(line.length <= MAX_LINE_WIDTH, `${line.length}: ${line}`);
  });

  it('measures the reaction from the announcement the client moved on, and says which', () => {
    const text = renderFailover(outcome(), 3, plain).join('\n');
    assert.match(
      text,
      /reaction {3}90 ms from the first announcement of the new master \(the leader's\s+\+promoted-slave/,
    );
    assert.doesNotMatch(text, /negative/);
  });

  it('explains a negative reaction', () => {
    const text = renderFailover(outcome({ reactionMs: -12, answerReactionMs: -12 }), 3, plain).join('\n');
    assert.match(text, /negative: the client found the new master before any sentinel announced it/);
  });

  it('says what 0 s of the per-second figures is', () => {
    const text = renderFailover(outcome(), 3, plain).join('\n');
    assert.match(text, /writes\/s {3}-1s 1643 \| 0s 4 \| 1s 0/);
    assert.match(text, /seconds from the SIGKILL: 0s starts with it, -1s is the second before/);
    assert.match(text, /no master from the SIGKILL to the promotion at \+2\.7 s: Sentinel first waits/);
  });

  it('explains NOREPLICAS in plain words', () => {
    const text = renderFailover(outcome(), 3, plain).join('\n');
    assert.match(text, /NOREPLICAS: the new master refused writes until a replica had connected to it/);
    assert.doesNotMatch(text, /pipeline/);
  });

  it('has a heading of its own, and says the previous master rejoins before the SIGKILL', () => {
    assert.match(renderFailoverHeading(3, 'graceful', plain)[0]!, /^3\. Under load: graceful failover/);
    assert.doesNotMatch(renderFailoverHeading(3, 'graceful', plain).join('\n'), /rejoins/);
    assert.match(
      renderFailoverHeading(4, 'sigkill', plain).join('\n'),
      /previous master rejoins as a replica/,
    );
    assert.doesNotMatch(renderFailover(outcome(), 3, plain).join('\n'), /Under load/);
  });
});

describe('wrap', () => {
  it('breaks at spaces within the width, every line indented', () => {
    const lines = wrap('aaa bbb ccc ddd', '  ', 9);
    assert.deepEqual(lines, ['  aaa bbb', '  ccc ddd']);
  });

  it('gives a word longer than a line a line of its own', () => {
    assert.deepEqual(wrap('a verylongword b', '', 5), ['a', 'verylongword', 'b']);
  });
});
