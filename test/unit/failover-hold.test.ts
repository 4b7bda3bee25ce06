import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  endHold,
  expireHolds,
  FailoverHold,
  type Hold,
  isHolding,
  nextExpiry,
  startHold,
} from '../../src/pool/failover-hold.js';
import { eventually } from '../../src/testing/eventually.js';

const failover: Hold = { reason: 'failover', scope: 'all', until: 1000 };
const lease: Hold = { reason: 'lease', scope: 'writes', until: 500 };

describe('FailoverHold decisions', () => {
  it('starts a hold once per reason: a failover heard from several sentinels holds from the first', () => {
    const held = startHold([], 'failover', 'all', 1000);
    assert.deepEqual(held, [failover]);
    assert.equal(startHold(held!, 'failover', 'all', 2000), undefined);
    assert.deepEqual(startHold(held!, 'lease', 'writes', 500), [failover, lease]);
  });

  it('ends one reason, or every reason, and says when nothing ended', () => {
    assert.deepEqual(endHold([failover, lease], 'failover'), [lease]);
    assert.deepEqual(endHold([failover, lease]), []);
    assert.equal(endHold([lease], 'failover'), undefined);
    assert.equal(endHold([]), undefined);
  });

  it('holds every command for the failover, only writes for a writes hold', () => {
    assert.equal(isHolding([], 'write'), false);
    assert.equal(isHolding([failover], 'read'), true);
    assert.equal(isHolding([lease], 'read'), false);
    assert.equal(isHolding([lease], 'write'), true);
  });

  it('expires the holds whose time ran out, and arms for the earliest one left', () => {
    assert.equal(expireHolds([failover, lease], 499), undefined);
    assert.deepEqual(expireHolds([failover, lease], 500), [failover]);
    assert.deepEqual(expireHolds([failover, lease], 1000), []);
    assert.equal(nextExpiry([failover, lease]), 500);
    assert.equal(nextExpiry([]), undefined);
  });
});

describe('FailoverHold', () => {
  it('refuses an address while held, checked before and after asking', async () => {
    const hold = new FailoverHold('mymaster', 60_000, () => {});
    const address = { host: '127.0.0.1', port: 7001 };
    assert.deepEqual(await hold.resolveUnlessHeld(async () => address), address);
    // A failover that starts while discovery answers: the answer is refused.
    await assert.rejects(
      hold.resolveUnlessHeld(async () => {
        hold.start();
        return address;
      }),
      /a failover of "mymaster" is under way/,
    );
    await assert.rejects(
      hold.resolveUnlessHeld(async () => address),
      /under way/,
    );
    assert.equal(hold.end('failover'), true);
    assert.equal(hold.end('failover'), false);
    hold.start('lease', 'writes', 60_000);
    await assert.rejects(
      hold.resolveUnlessHeld(async () => address),
      /held \(lease\)/,
    );
    hold.close();
    assert.equal(hold.isHeld, false);
  });

  it('calls back when a hold runs out by itself, and not after close()', async () => {
    let expired = 0;
    const hold = new FailoverHold('mymaster', 5, () => expired++);
    hold.start();
    assert.equal(hold.isHolding('read'), true);
    await eventually(() => !hold.isHeld, { timeoutMs: 2000, message: 'the hold ran out' });
    assert.equal(expired, 1);
    hold.start();
    hold.close();
    assert.equal(hold.isHeld, false);
  });
});
