/**
 * NIST PKITS v1.0.1 (as vendored by BoringSSL, see shared/pki-testdata/README.md) through
 * validatePath in RFC 5280 mode with revocation 'require-crl'. Each of the 249 cases is its own
 * test; pkits-known-deviations.json lists cases kyso knowingly disagrees with, and is checked to
 * be exact.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../../testkit/src/shared.ts';
import { nodeCrypto } from '../../../server/src/crypto/node-crypto.ts';
import { validatePath } from './path-validation.ts';
import deviations from './pkits-known-deviations.json' with { type: 'json' };

interface PkitsCase {
  test_number: string;
  title: string;
  certs_anchor_first: string[];
  crls: string[];
  initial_policy_set: string[];
  initial_explicit_policy: boolean;
  initial_policy_mapping_inhibit: boolean;
  initial_inhibit_any_policy: boolean;
  expected_valid: boolean;
  expected_user_constrained_policy_set: string[];
}

const dir = sharedPath('pki-testdata', 'nist-pkits');
const manifest = JSON.parse(readFileSync(`${dir}/pkits-manifest.json`, 'utf8')) as {
  validation_time: string;
  policy_oids: Record<string, string>;
  testcases: PkitsCase[];
};
const at = new Date(manifest.validation_time);
const files = new Map<string, Uint8Array>();
function load(kind: 'certs' | 'crls', name: string): Uint8Array {
  const key = `${kind}/${name}`;
  let b = files.get(key);
  if (!b) {
    b = new Uint8Array(readFileSync(`${dir}/${kind}/${name}.${kind === 'certs' ? 'crt' : 'crl'}`));
    files.set(key, b);
  }
  return b;
}
const oid = (name: string): string => {
  const o = manifest.policy_oids[name];
  if (!o) throw new Error(`unknown policy name ${name}`);
  return o;
};

const known = new Map((deviations as Array<{ id: string; reason: string }>).map((d) => [d.id, d.reason]));
const deviating: string[] = [];
let passed = 0;

for (const tc of manifest.testcases) {
  const id = `${tc.test_number} ${tc.title}`;
  test(`PKITS ${id}`, () => {
    const [anchor, ...rest] = tc.certs_anchor_first;
    const target = rest[rest.length - 1]!;
    const r = validatePath({
      target: load('certs', target),
      trustAnchors: [load('certs', anchor!)],
      intermediates: rest.slice(0, -1).map((n) => load('certs', n)),
      crls: tc.crls.map((n) => load('crls', n)),
      at,
      crypto: nodeCrypto,
      initialPolicySet: tc.initial_policy_set.map(oid),
      initialExplicitPolicy: tc.initial_explicit_policy,
      initialPolicyMappingInhibit: tc.initial_policy_mapping_inhibit,
      initialAnyPolicyInhibit: tc.initial_inhibit_any_policy,
      revocation: 'require-crl',
    });
    let ok = r.valid === tc.expected_valid;
    let detail = `expected ${tc.expected_valid ? 'valid' : 'invalid'}, got ${r.valid ? 'valid' : `${r.code}: ${r.reason}`}`;
    if (ok && r.valid) {
      // The user-constrained-policy-set is only meaningful for a path that validated.
      const want = tc.expected_user_constrained_policy_set.filter((p) => p !== '').map(oid).sort();
      const got = [...(r.userConstrainedPolicySet ?? [])].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        ok = false;
        detail = `user-constrained-policy-set: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
      }
    }
    if (ok) passed++;
    else deviating.push(id);
    if (known.has(id)) {
      assert.ok(!ok, `${id} is listed in pkits-known-deviations.json but now passes: remove it from the list`);
    } else {
      assert.ok(ok, `${id}: ${detail}`);
    }
  });
}

after(() => {
  console.log(`PKITS: ${passed}/${manifest.testcases.length} passed`);
});

test('pkits-known-deviations.json lists only existing cases', () => {
  const ids = new Set(manifest.testcases.map((tc) => `${tc.test_number} ${tc.title}`));
  for (const id of known.keys()) assert.ok(ids.has(id), `unknown PKITS case in deviations list: ${id}`);
});
