/**
 * Which seed a sentinel learned from another is, under another name (pure): a seed given by host
 * name on the same port whose name resolves to the learned IP.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { seedAliasOf } from '../../src/discovery/sentinel-set.js';

const seeds = [
  { host: 'localhost', port: 26379 },
  { host: 'sentinel-b.internal', port: 26380 },
];
const resolved = new Map([
  ['localhost', ['127.0.0.1', '::1']],
  ['sentinel-b.internal', ['10.0.0.2']],
]);

it('recognises a seed announced by one of the IPs its name resolves to', () => {
  assert.deepEqual(seedAliasOf({ host: '127.0.0.1', port: 26379 }, seeds, resolved), seeds[0]);
  assert.deepEqual(seedAliasOf({ host: '::1', port: 26379 }, seeds, resolved), seeds[0]);
  assert.deepEqual(seedAliasOf({ host: '10.0.0.2', port: 26380 }, seeds, resolved), seeds[1]);
});

it('keeps apart another port, another IP, and a name that did not resolve', () => {
  assert.equal(seedAliasOf({ host: '127.0.0.1', port: 26380 }, seeds, resolved), undefined);
  assert.equal(seedAliasOf({ host: '10.0.0.3', port: 26380 }, seeds, resolved), undefined);
  assert.equal(seedAliasOf({ host: '10.0.0.2', port: 26380 }, seeds, new Map()), undefined);
});
