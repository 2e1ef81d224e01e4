import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../../testkit/src/shared.ts';
import { nodeCrypto } from '../../../server/src/crypto/node-crypto.ts';
import { isKysoError } from '../errors.ts';
import { findRevokedEntry, parseCrl, parseDistributionPoints, verifyCrlSignature } from './crl.ts';
import { loadCertInfo } from './extensions.ts';

const pkits = (kind: 'certs' | 'crls', name: string) =>
  new Uint8Array(readFileSync(sharedPath('pki-testdata', 'nist-pkits', kind, `${name}.${kind === 'certs' ? 'crt' : 'crl'}`)));

test('a complete CRL: exact TBSCertList, times, number, entries with reasons, signature', () => {
  const der = pkits('crls', 'deltaCRLCA1CRL');
  const crl = parseCrl(der);
  assert.equal(crl.version, 2);
  assert.equal(crl.crlNumber, 1n);
  assert.equal(crl.deltaBase, undefined);
  assert.equal(crl.thisUpdate.toISOString(), '2010-01-01T08:30:00.000Z');
  assert.equal(crl.nextUpdate?.toISOString(), '2030-12-31T08:30:00.000Z');
  assert.equal(crl.entryCount, 3);
  assert.equal(findRevokedEntry(crl, crl.issuer.key, '02')?.reasonCode, 1);
  assert.equal(findRevokedEntry(crl, crl.issuer.key, '04')?.reasonCode, 6);
  assert.equal(findRevokedEntry(crl, crl.issuer.key, '03'), undefined);
  assert.equal(crl.freshestCrl?.length, 1);
  assert.equal(crl.tbs[0], 0x30);
  assert.ok(crl.tbs.byteOffset > der.byteOffset || crl.tbs.buffer === der.buffer, 'tbs is a view of the received bytes');
  const ca = loadCertInfo(pkits('certs', 'deltaCRLCA1Cert'));
  assert.ok(verifyCrlSignature(crl, ca.cert.spki, nodeCrypto));
  const other = loadCertInfo(pkits('certs', 'GoodCACert'));
  assert.ok(!verifyCrlSignature(crl, other.cert.spki, nodeCrypto));
});

test('a delta CRL: deltaCRLIndicator and removeFromCRL entries', () => {
  const crl = parseCrl(pkits('crls', 'deltaCRLCA1deltaCRL'));
  assert.equal(crl.deltaBase, 1n);
  assert.equal(crl.crlNumber, 5n);
  assert.equal(findRevokedEntry(crl, crl.issuer.key, '04')?.reasonCode, 8);
});

test('issuing distribution point: onlySomeReasons and onlyContainsUserCerts', () => {
  const crl = parseCrl(pkits('crls', 'onlySomeReasonsCA4compromiseCRL'));
  assert.ok(crl.idp);
  assert.ok(crl.idp.onlySomeReasons?.has(1), 'keyCompromise');
  assert.ok(!crl.idp.onlySomeReasons?.has(4), 'not superseded');
  const user = parseCrl(pkits('crls', 'onlyContainsUserCertsCACRL'));
  assert.equal(user.idp?.onlyContainsUserCerts, true);
  assert.equal(user.idp?.onlyContainsCACerts, false);
});

test('indirect CRL: entries are keyed by the certificate issuer named in certificateIssuer', () => {
  const crl = parseCrl(pkits('crls', 'indirectCRLCA5CRL'));
  assert.equal(crl.idp?.indirectCRL, true);
  const ca6 = loadCertInfo(pkits('certs', 'indirectCRLCA6Cert'));
  const keys = new Set([...crl.entries.values()].flatMap((e) => e.issuerKeys));
  assert.ok(keys.has(ca6.subject.key), 'some entry is for CA6');
});

test('an unknown critical CRL extension is recorded; an unknown critical entry extension too', () => {
  assert.ok(parseCrl(pkits('crls', 'UnknownCRLExtensionCACRL')).unknownCriticalExtensions.length > 0);
  assert.ok(parseCrl(pkits('crls', 'UnknownCRLEntryExtensionCACRL')).unknownCriticalEntryExtensions.length > 0);
});

test('negative and long serials are matched on their exact encoding', () => {
  const crl = parseCrl(pkits('crls', 'NegativeSerialNumberCACRL'));
  const ee = loadCertInfo(pkits('certs', 'InvalidNegativeSerialNumberTest15EE'));
  assert.ok(findRevokedEntry(crl, ee.issuer.key, ee.serialHex));
  const ok = loadCertInfo(pkits('certs', 'ValidNegativeSerialNumberTest14EE'));
  assert.equal(ok.serialHex, '00ff', 'the INTEGER content octets as encoded');
  assert.equal(findRevokedEntry(crl, ok.issuer.key, ok.serialHex), undefined);
});

test('cRLDistributionPoints with a cRLIssuer, and malformed input', () => {
  const ee = loadCertInfo(pkits('certs', 'ValidcRLIssuerTest28EE'));
  assert.ok(ee.crlDistributionPoints?.[0]?.crlIssuer?.some((g) => g.type === 'directory'));
  assert.throws(() => parseDistributionPoints(Uint8Array.of(0x30, 0x00)), (e) => isKysoError(e, 'malformed'));
  assert.throws(() => parseCrl(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), (e) => isKysoError(e, 'malformed'));
});
