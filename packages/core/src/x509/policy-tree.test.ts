import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANY_POLICY, PolicyTree } from './policy-tree.ts';

const P1 = '2.16.840.1.101.3.2.1.48.1';
const P2 = '2.16.840.1.101.3.2.1.48.2';
const P3 = '2.16.840.1.101.3.2.1.48.3';

test('§6.1.3 (d): policies common to every certificate survive, others are pruned', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1, P2], true);
  t.processCertificatePolicies(2, [P1], true);
  t.processCertificatePolicies(3, [P1, P3], true);
  assert.deepEqual(t.intersect(3, [ANY_POLICY]), [P1]);
});

test('§6.1.3 (d)(2): anyPolicy expands to the expected policies of the level above unless inhibited', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1, P2], true);
  t.processCertificatePolicies(2, [ANY_POLICY], true);
  assert.deepEqual(t.intersect(2, [ANY_POLICY]).sort(), [P1, P2].sort());

  const inhibited = new PolicyTree();
  inhibited.processCertificatePolicies(1, [P1], true);
  inhibited.processCertificatePolicies(2, [ANY_POLICY], false);
  assert.equal(inhibited.root, null);
});

test('§6.1.3 (e): a certificate without policies empties the tree', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1], true);
  t.clear();
  assert.deepEqual(t.intersect(2, [ANY_POLICY]), []);
});

test('§6.1.4 (b): mappings change expected policies; the user set is reported in the anchor domain', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1], true);
  t.applyMappings(1, [[P1, P2]], true);
  t.processCertificatePolicies(2, [P2], true);
  assert.deepEqual(t.intersect(2, [ANY_POLICY]), [P1]);

  const t2 = new PolicyTree();
  t2.processCertificatePolicies(1, [P1], true);
  t2.applyMappings(1, [[P1, P2]], true);
  t2.processCertificatePolicies(2, [P2], true);
  assert.deepEqual(t2.intersect(2, [P2]), [], 'P2 is not a policy of the user domain');
});

test('§6.1.4 (b)(2): with policy mapping inhibited, mapped policies are deleted', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1], true);
  t.applyMappings(1, [[P1, P2]], false);
  assert.equal(t.root, null);
});

test('§6.1.4 (b)(1): mapping from a policy only present through anyPolicy creates the node', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [ANY_POLICY], true);
  t.applyMappings(1, [[P1, P3]], true);
  t.processCertificatePolicies(2, [P3], true);
  assert.deepEqual(t.intersect(2, [ANY_POLICY]), [P1]);
});

test('§6.1.5 (g): intersection with the user-initial-policy-set', () => {
  const t = new PolicyTree();
  t.processCertificatePolicies(1, [P1, P2], true);
  t.processCertificatePolicies(2, [P1, P2], true);
  assert.deepEqual(t.intersect(2, [P2, P3]), [P2]);

  const any = new PolicyTree();
  any.processCertificatePolicies(1, [ANY_POLICY], true);
  any.processCertificatePolicies(2, [ANY_POLICY], true);
  assert.deepEqual(any.intersect(2, [ANY_POLICY]), [ANY_POLICY]);
  const any2 = new PolicyTree();
  any2.processCertificatePolicies(1, [ANY_POLICY], true);
  any2.processCertificatePolicies(2, [ANY_POLICY], true);
  assert.deepEqual(any2.intersect(2, [P1, P3]).sort(), [P1, P3].sort(), 'anyPolicy at depth n is replaced by the requested policies');
});
