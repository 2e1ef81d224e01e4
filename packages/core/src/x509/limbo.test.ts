/**
 * x509-limbo (2023-12-02 snapshot, 135 SERVER cases) through validatePath: trusted_certs are the
 * anchors, untrusted_intermediates the bag, peer_certificate the target, expected_peer_name the
 * peer name (which turns on kyso's Web PKI profile), extended_key_usage the required EKU,
 * max_chain_depth the maximum number of intermediates. limbo-known-deviations.json lists every
 * case where kyso disagrees, with the reason, and is checked to be exact.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../../testkit/src/shared.ts';
import { nodeCrypto } from '../../../server/src/crypto/node-crypto.ts';
import { decodePem } from '../asn1/pem.ts';
import { OID } from './oids.ts';
import { validatePath, type PathValidationOptions } from './path-validation.ts';
import deviations from './limbo-known-deviations.json' with { type: 'json' };

interface LimboCase {
  id: string;
  validation_kind: string;
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  extended_key_usage: string[] | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  max_chain_depth: number | null;
}

const suite = JSON.parse(readFileSync(sharedPath('pki-testdata', 'x509-limbo', 'limbo-2023-12-02.json'), 'utf8')) as { testcases: LimboCase[] };
// Cases without a validation time use the snapshot date (the synthetic certificates span 1970–2969).
const DEFAULT_TIME = new Date('2023-12-02T00:00:00Z');
const EKU: Record<string, string> = {
  serverAuth: OID.kpServerAuth, clientAuth: OID.kpClientAuth, codeSigning: OID.kpCodeSigning,
  emailProtection: OID.kpEmailProtection, timeStamping: OID.kpTimeStamping, OCSPSigning: OID.kpOcspSigning,
  anyExtendedKeyUsage: OID.anyExtendedKeyUsage,
};
const pem = (s: string) => decodePem(s, 'CERTIFICATE');

const known = new Map((deviations as Array<{ id: string; reason: string }>).map((d) => [d.id, d.reason]));
let agree = 0;

function run(tc: LimboCase): { valid: boolean; detail: string } {
  const opts: PathValidationOptions = {
    target: pem(tc.peer_certificate),
    trustAnchors: tc.trusted_certs.map(pem),
    intermediates: tc.untrusted_intermediates.map(pem),
    at: tc.validation_time ? new Date(tc.validation_time) : DEFAULT_TIME,
    crypto: nodeCrypto,
    revocation: 'none',
  };
  if (tc.expected_peer_name) {
    const kind = tc.expected_peer_name.kind === 'DNS' ? 'dns' : tc.expected_peer_name.kind === 'IP' ? 'ip' : 'email';
    opts.peerName = { kind, value: tc.expected_peer_name.value };
  }
  if (tc.extended_key_usage && tc.extended_key_usage.length > 0) opts.requiredExtendedKeyUsage = EKU[tc.extended_key_usage[0]!] ?? tc.extended_key_usage[0]!;
  if (tc.max_chain_depth !== null) opts.maxPathLength = tc.max_chain_depth;
  try {
    const r = validatePath(opts);
    return { valid: r.valid, detail: r.valid ? 'valid' : `${r.code}: ${r.reason}` };
  } catch (e) {
    return { valid: false, detail: `threw ${(e as Error).message}` };
  }
}

for (const tc of suite.testcases) {
  test(`x509-limbo ${tc.id}`, () => {
    const { valid, detail } = run(tc);
    const ok = valid === (tc.expected_result === 'SUCCESS');
    if (ok) agree++;
    if (known.has(tc.id)) {
      assert.ok(!ok, `${tc.id} is listed in limbo-known-deviations.json but now agrees: remove it from the list`);
    } else {
      assert.ok(ok, `${tc.id}: expected ${tc.expected_result}, got ${detail}`);
    }
  });
}

after(() => {
  console.log(`x509-limbo: ${agree}/${suite.testcases.length} agree`);
});

test('limbo-known-deviations.json lists only existing cases, each with a reason', () => {
  const ids = new Set(suite.testcases.map((tc) => tc.id));
  for (const [id, reason] of known) {
    assert.ok(ids.has(id), `unknown limbo case in deviations list: ${id}`);
    assert.ok(reason.length > 10, `deviation ${id} needs a reason`);
  }
});
