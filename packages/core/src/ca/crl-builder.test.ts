import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '../../../testkit/src/shared.ts';
import { nodeCrypto } from '../../../server/src/crypto/node-crypto.ts';
import { CaService } from '../../../server/src/services/ca-service.ts';
import { KeyObjectSigner } from '../../../server/src/keys/key-object-signer.ts';
import { loadCaSigner } from '../../../server/src/services/ca-keys.ts';
import { parseCeremony } from '../../../server/src/config/ceremony.ts';
import { TEST_CEREMONY, TEST_PASSPHRASE, openTestDb, type TestDb } from '../../../server/src/services/test-ca.ts';
import { isKysoError } from '../errors.ts';
import type { SignatureAlgorithm, Signer } from '../ports.ts';
import { readChildren, readWhole, toHex } from '../asn1/der.ts';
import { derTime } from '../asn1/der-writer.ts';
import { encodePem } from '../asn1/pem.ts';
import { defaultSignatureAlgorithm } from '../x509/algorithms.ts';
import { createCsr } from '../x509/csr.ts';
import { buildName, parseDnString } from '../x509/names.ts';
import { getSubjectKeyIdentifier, type ParsedCertificate } from '../x509/certificate.ts';
import { findRevokedEntry, parseCrl, verifyCrlSignature } from '../x509/crl.ts';
import { validatePath } from '../x509/path-validation.ts';
import { assembleCrl, buildCrl, encodeTbsCertList, CRL_REASON_CODES, type CrlEntryInput, type CrlReasonName, type CrlTemplate } from './crl-builder.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function expectInvalid(re?: RegExp) {
  return (e: unknown) => isKysoError(e, 'invalid-argument') && (!re || re.test(e.message));
}

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A minimal template for input-validation tests (no signature needed). */
function template(over: Partial<CrlTemplate> = {}): CrlTemplate {
  return {
    issuerDer: Uint8Array.of(0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 0x43, 0x41),
    authorityKeyId: new Uint8Array(20).fill(7),
    signatureAlgorithm: { scheme: 'ECDSA', hash: 'SHA-256' },
    thisUpdate: new Date('2026-11-27T00:00:00Z'),
    nextUpdate: new Date('2026-12-04T00:00:00Z'),
    crlNumber: 1n,
    entries: [],
    ...over,
  };
}

const entry = (serialHex: string, reason: CrlReasonName = 'keyCompromise', revokedAt = new Date('2026-11-20T10:00:00Z')): CrlEntryInput => ({ serialHex, reason, revokedAt });

describe('CRL builder: encoding rules', () => {
  test('v2 TBSCertList: fields in order, no revokedCertificates when empty, AKI and cRLNumber non-critical', () => {
    const tbs = encodeTbsCertList(template({ crlNumber: 0x80n }));
    const f = readChildren(tbs, readWhole(tbs, 'tbs'));
    assert.deepEqual(f.map((t) => t.tag), [0x02, 0x30, 0x30, 0x17, 0x17, 0xa0], 'version, signature, issuer, thisUpdate, nextUpdate, [0] — no revokedCertificates');
    assert.equal(toHex(tbs.subarray(f[0]!.start, f[0]!.end)), '020101', 'version v2 is INTEGER 1');
    const crl = parseCrl(assembleCrl(tbs, template().signatureAlgorithm, Uint8Array.of(1, 2, 3)));
    assert.equal(crl.version, 2);
    assert.equal(crl.entryCount, 0);
    assert.equal(crl.crlNumber, 0x80n);
    assert.deepEqual(crl.authorityKeyIdentifier, new Uint8Array(20).fill(7));
    assert.deepEqual(crl.unknownCriticalExtensions, []);
    const exts = readChildren(tbs, readChildren(tbs, f[5]!)[0]!);
    for (const e of exts) assert.equal(readChildren(tbs, e).length, 2, 'no critical flag: both extensions are non-critical');
    assert.ok(toHex(tbs).includes('0603551d1404040202' + '0080'), 'cRLNumber 0x80 is INTEGER 00 80');
  });

  test('entries are sorted numerically by serial, deterministically; unspecified has no reasonCode', () => {
    const entries = [entry('0a'), entry('ff', 'unspecified'), entry('0100', 'certificateHold'), entry('7f', 'superseded'), entry('1', 'aACompromise')];
    const a = encodeTbsCertList(template({ entries }));
    const b = encodeTbsCertList(template({ entries: [...entries].reverse() }));
    assert.deepEqual(a, b, 'input order does not change the bytes');
    const crl = parseCrl(assembleCrl(a, template().signatureAlgorithm, Uint8Array.of(1)));
    assert.deepEqual([...crl.entries.values()].map((e) => e.serialHex), ['01', '0a', '7f', '00ff', '0100']);
    assert.deepEqual([...crl.entries.values()].map((e) => e.reasonCode), [10, 1, 4, undefined, 6]);
    assert.ok(findRevokedEntry(crl, crl.issuer.key, '00ff'), 'a high-bit serial is written with its sign octet, as the certificate carries it');
  });

  test('large lists of mixed-length serials come out in numeric order (bucketed sort = comparison sort)', () => {
    const n = 3000;
    const serials: string[] = [];
    for (let i = 0; i < n; i++) {
      const len = 1 + (i % 20);
      const bytes = nodeCrypto.randomBytes(len);
      if (len === 20) bytes[0]! &= 0x7f; // 20 octets including the sign octet
      if (bytes.every((b) => b === 0)) bytes[len - 1] = 1;
      serials.push((i % 3 === 0 ? '00' : '') + toHex(bytes));
    }
    const unique = [...new Map(serials.map((h) => [BigInt(`0x${h}`), h])).values()];
    const tbs = encodeTbsCertList(template({ entries: unique.map((h) => entry(h.toUpperCase(), 'superseded')) }));
    const crl = parseCrl(assembleCrl(tbs, template().signatureAlgorithm, Uint8Array.of(1)));
    const got = [...crl.entries.values()].map((e) => BigInt(`0x${e.serialHex}`));
    const want = unique.map((h) => BigInt(`0x${h}`)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.equal(got.length, want.length);
    assert.ok(got.every((v, i) => v === want[i]), 'same order as a BigInt sort');
  });

  test('times: UTCTime through 2049, GeneralizedTime from 2050, byte-identical to derTime; invalidityDate is GeneralizedTime', () => {
    const dates = [
      '1950-01-01T00:00:00Z', '1949-12-31T23:59:59Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '2000-02-29T12:34:56.789Z',
      '2026-11-27T02:15:30Z', '0001-03-01T00:00:00Z', '1600-02-29T01:02:03Z', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59.500Z',
    ].map((s) => new Date(s));
    for (let i = 0; i < 200; i++) dates.push(new Date(Math.floor(Math.random() * 253_402_300_799_000)));
    for (const d of dates) {
      const tbs = encodeTbsCertList(template({ entries: [entry('05', 'unspecified', d)] }));
      const want = toHex(Uint8Array.of(0x02, 0x01, 0x05, ...derTime(d)));
      assert.ok(toHex(tbs).includes(want), `revocationDate ${d.toISOString()} is written as derTime writes it`);
    }
    const late = encodeTbsCertList(template({ thisUpdate: new Date('2050-01-01T00:00:00Z'), nextUpdate: new Date('2050-01-08T00:00:00Z') }));
    const f = readChildren(late, readWhole(late, 'tbs'));
    assert.deepEqual([f[3]!.tag, f[4]!.tag], [0x18, 0x18]);
    const inv = new Date('2026-11-01T08:00:00Z');
    const tbs = encodeTbsCertList(template({ entries: [{ ...entry('06'), invalidityDate: inv }, { ...entry('07', 'unspecified'), invalidityDate: inv }] }));
    const crl = parseCrl(assembleCrl(tbs, template().signatureAlgorithm, Uint8Array.of(1)));
    assert.equal(findRevokedEntry(crl, crl.issuer.key, '06')?.invalidityDate?.toISOString(), inv.toISOString());
    assert.equal(findRevokedEntry(crl, crl.issuer.key, '06')?.reasonCode, 1);
    assert.equal(findRevokedEntry(crl, crl.issuer.key, '07')?.reasonCode, undefined);
    assert.equal(findRevokedEntry(crl, crl.issuer.key, '07')?.invalidityDate?.toISOString(), inv.toISOString());
    assert.ok(toHex(tbs).includes(toHex(Uint8Array.from(Buffer.from('20261101080000Z')))), 'GeneralizedTime text');
  });

  test('bad input is refused with invalid-argument', () => {
    const bad: Array<[Partial<CrlTemplate>, RegExp]> = [
      [{ entries: [entry('xyz')] }, /not a hexadecimal number/],
      [{ entries: [entry('')] }, /not a hexadecimal number/],
      [{ entries: [entry('000')] }, /not a positive serial/],
      [{ entries: [entry('01'.repeat(21))] }, /longer than 20 octets/],
      [{ entries: [entry(`80${'00'.repeat(19)}`)] }, /longer than 20 octets/],
      [{ entries: [entry('ff'), entry('00FF')] }, /listed twice/],
      [{ entries: [{ ...entry('01'), reason: 'removeFromCRL' as CrlReasonName }] }, /not a CRL reason/],
      [{ entries: [{ ...entry('01'), revokedAt: new Date('nope') }] }, /revocation date of serial 1 is not a valid date/],
      [{ nextUpdate: new Date('2026-11-27T00:00:00.900Z') }, /must be later than thisUpdate/],
      [{ nextUpdate: new Date('2026-11-26T00:00:00Z') }, /must be later than thisUpdate/],
      [{ crlNumber: -1n }, /non-negative/],
      [{ crlNumber: 1n << 159n }, /longer than 20 octets/],
      [{ issuerDer: Uint8Array.of(0x30, 0x00) }, /non-empty DER Name/],
      [{ authorityKeyId: new Uint8Array() }, /authorityKeyIdentifier/],
    ];
    for (const [over, re] of bad) assert.throws(() => encodeTbsCertList(template(over)), expectInvalid(re), re.source);
    // the boundaries themselves are fine
    encodeTbsCertList(template({ crlNumber: (1n << 159n) - 1n, entries: [entry(`7f${'ff'.repeat(19)}`), entry(`00${'ff'.repeat(19)}`)] }));
    assert.throws(() => assembleCrl(encodeTbsCertList(template()), { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, Uint8Array.of(1)), expectInvalid(/signature algorithm/));
  });
});

describe('CRL builder with the test CA (SQLite)', () => {
  let t: TestDb;
  let ca: CaService;
  let root: ParsedCertificate;
  let issuing: ParsedCertificate;
  let issuingSigner: Signer;
  let rootSigner: Signer;
  let alg: SignatureAlgorithm;
  let rootAlg: SignatureAlgorithm;
  let dir: string;
  let crlNumber = 0n;
  const certs: Record<'revoked' | 'held' | 'onHold' | 'good' | 'plain', ParsedCertificate> = {} as never;

  /** A CRL of the issuing CA from the CA's current state (revoked and suspended certificates). */
  async function issuingCrl(opts: { thisUpdate?: Date; nextUpdate?: Date } = {}): Promise<Uint8Array> {
    const rows = [...await ca.list({ status: 'revoked' }), ...await ca.list({ status: 'suspended' })];
    const thisUpdate = opts.thisUpdate ?? t.clock.now();
    return buildCrl({
      issuerDer: issuing.subjectDer, authorityKeyId: getSubjectKeyIdentifier(issuing)!, signatureAlgorithm: alg,
      thisUpdate, nextUpdate: opts.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY), crlNumber: ++crlNumber,
      entries: rows.map((r) => ({ serialHex: r.serial, revokedAt: new Date(r.revokedAt!), reason: r.revocationReason as CrlReasonName })),
      signer: issuingSigner,
    });
  }

  /** crl-check.sh and certtool --verify-crl judge dates by the machine's real clock, not the test clock. */
  function realTimeCrl(): Promise<Uint8Array> {
    const realNow = Date.now();
    return issuingCrl({ thisUpdate: new Date(realNow - HOUR), nextUpdate: new Date(realNow + 7 * DAY) });
  }

  function rootCrl(thisUpdate = t.clock.now(), nextUpdate = new Date(thisUpdate.getTime() + 30 * DAY)): Promise<Uint8Array> {
    return buildCrl({
      issuerDer: root.subjectDer, authorityKeyId: getSubjectKeyIdentifier(root)!, signatureAlgorithm: rootAlg,
      thisUpdate, nextUpdate, crlNumber: 1n, entries: [], signer: rootSigner,
    });
  }

  function write(name: string, data: Uint8Array | string): string {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  }

  before(async () => {
    const t0 = performance.now();
    dir = mkdtempSync(join(tmpdir(), 'kyso-crl-'));
    t = await openTestDb('sqlite');
    const ceremony = parseCeremony(TEST_CEREMONY);
    const r = await CaService.init(t.deps, { ceremony, secret: TEST_PASSPHRASE });
    root = r.root;
    issuing = r.issuing;
    ca = await CaService.open(t.deps, TEST_PASSPHRASE);
    issuingSigner = await loadCaSigner(t.db.kysely, 'issuing', TEST_PASSPHRASE);
    rootSigner = await loadCaSigner(t.db.kysely, 'root', TEST_PASSPHRASE);
    alg = defaultSignatureAlgorithm(issuingSigner.keySpec, { hash: ceremony.issuing.hash, rsaPadding: ceremony.issuing.rsaPadding });
    rootAlg = defaultSignatureAlgorithm(rootSigner.keySpec, { hash: ceremony.root.hash, rsaPadding: ceremony.root.rsaPadding });
    for (const name of ['revoked', 'held', 'onHold', 'good', 'plain'] as const) {
      // With a CSR: a generated key would be delivered as PKCS#12, which is slow to build.
      const signer = new KeyObjectSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      const csr = await createCsr({ subject: buildName(parseDnString(`CN=CRL test ${name},O=Sở Thông tin và Truyền thông`)), signer, algorithm: { scheme: 'ECDSA', hash: 'SHA-256' } });
      const issued = await ca.issue({ profile: 'service', csr });
      certs[name] = issued.certificate;
    }
    t.clock.advanceDays(1);
    await ca.revoke(certs.revoked.serialHex, 'keyCompromise');
    await ca.suspend(certs.held.serialHex); // resumed by a test below
    await ca.suspend(certs.onHold.serialHex); // stays on hold
    await ca.revoke(certs.plain.serialHex); // unspecified
    console.log(`# test CA ready in ${(performance.now() - t0).toFixed(0)} ms`);
  });
  after(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('round trip through parseCrl: entries, reasons, number, times, signature', async () => {
    const der = await issuingCrl();
    const crl = parseCrl(der);
    assert.equal(crl.version, 2);
    assert.equal(crl.crlNumber, crlNumber);
    assert.equal(crl.issuer.key, parseCrl(der).issuer.key);
    assert.deepEqual(crl.tbs, encodeTbsCertList({
      issuerDer: issuing.subjectDer, authorityKeyId: getSubjectKeyIdentifier(issuing)!, signatureAlgorithm: alg, thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate!, crlNumber,
      entries: [...crl.entries.values()].reverse().map((e) => ({ serialHex: e.serialHex, revokedAt: e.revocationDate, reason: (Object.keys(CRL_REASON_CODES) as CrlReasonName[]).find((k) => CRL_REASON_CODES[k] === (e.reasonCode ?? 0))! })),
    }), 're-encoding the parsed content gives the same TBSCertList');
    assert.equal(crl.thisUpdate.toISOString(), t.clock.now().toISOString());
    assert.equal(crl.nextUpdate?.toISOString(), new Date(t.clock.now().getTime() + 7 * DAY).toISOString());
    assert.equal(crl.entryCount, 4);
    const issuerKey = crl.issuer.key;
    assert.equal(findRevokedEntry(crl, issuerKey, certs.revoked.serialHex)?.reasonCode, 1);
    assert.equal(findRevokedEntry(crl, issuerKey, certs.held.serialHex)?.reasonCode, 6);
    assert.equal(findRevokedEntry(crl, issuerKey, certs.plain.serialHex)?.reasonCode, undefined, 'unspecified: no reasonCode extension');
    assert.equal(findRevokedEntry(crl, issuerKey, certs.revoked.serialHex)?.revocationDate.toISOString(), t.clock.now().toISOString());
    assert.equal(findRevokedEntry(crl, issuerKey, certs.good.serialHex), undefined);
    assert.deepEqual(crl.authorityKeyIdentifier, getSubjectKeyIdentifier(issuing));
    assert.ok(verifyCrlSignature(crl, issuing.spki, nodeCrypto), 'signed by the issuing CA');
    assert.ok(!verifyCrlSignature(crl, root.spki, nodeCrypto), 'not by the root');
  });

  test('validatePath use-crls: revoked and held certificates are REVOKED; a resumed hold leaves the next CRL', async () => {
    const at = new Date(t.clock.now().getTime() + HOUR);
    const crl1 = await issuingCrl();
    const check = (cert: ParsedCertificate, crls: Uint8Array[]) => validatePath({
      target: cert.der, trustAnchors: [root.der], intermediates: [issuing.der], crls, at, crypto: nodeCrypto, revocation: 'use-crls',
    });
    const revoked = check(certs.revoked, [crl1]);
    assert.equal(revoked.valid, false);
    assert.equal(revoked.code, 'REVOKED');
    assert.equal(revoked.revocation?.reason, 'keyCompromise');
    const held = check(certs.held, [crl1]);
    assert.equal(held.code, 'REVOKED');
    assert.equal(held.revocation?.reason, 'certificateHold');
    assert.equal(check(certs.good, [crl1]).valid, true, check(certs.good, [crl1]).reason);

    t.clock.advanceDays(1);
    await ca.resume(certs.held.serialHex);
    const crl2 = await issuingCrl();
    assert.equal(parseCrl(crl2).entryCount, 3);
    const later = new Date(t.clock.now().getTime() + HOUR);
    const v = validatePath({ target: certs.held.der, trustAnchors: [root.der], intermediates: [issuing.der], crls: [crl2], at: later, crypto: nodeCrypto, revocation: 'use-crls' });
    assert.equal(v.valid, true, v.reason);
    const still = validatePath({ target: certs.revoked.der, trustAnchors: [root.der], intermediates: [issuing.der], crls: [crl2], at: later, crypto: nodeCrypto, revocation: 'use-crls' });
    assert.equal(still.code, 'REVOKED');
  });

  test('validatePath require-crl: passes with fresh CRLs, fails once the issuing CRL has expired', async () => {
    const issuingDer = await issuingCrl({ nextUpdate: new Date(t.clock.now().getTime() + 2 * DAY) });
    const rootDer = await rootCrl();
    const check = (at: Date) => validatePath({
      target: certs.good.der, trustAnchors: [root.der], intermediates: [issuing.der], crls: [issuingDer, rootDer], at, crypto: nodeCrypto, revocation: 'require-crl',
    });
    const fresh = check(new Date(t.clock.now().getTime() + HOUR));
    assert.equal(fresh.valid, true, fresh.reason);
    const stale = check(new Date(t.clock.now().getTime() + 3 * DAY));
    assert.equal(stale.valid, false);
    assert.equal(stale.code, 'CRL_MISSING');
    assert.match(stale.reason ?? '', /expired/);
    const revoked = validatePath({ target: certs.revoked.der, trustAnchors: [root.der], intermediates: [issuing.der], crls: [issuingDer, rootDer], at: new Date(t.clock.now().getTime() + HOUR), crypto: nodeCrypto, revocation: 'require-crl' });
    assert.equal(revoked.code, 'REVOKED');
  });

  test('OpenSSL verifies the CRL and lists the revoked serials and reasons', async () => {
    const crlPath = write('issuing.crl', await issuingCrl());
    const issuerPem = write('issuing.pem', encodePem('CERTIFICATE', issuing.der));
    const v = run('openssl', ['crl', '-in', crlPath, '-inform', 'DER', '-CAfile', issuerPem, '-noout', '-verify']);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /verify OK/);
    const text = run('openssl', ['crl', '-in', crlPath, '-inform', 'DER', '-noout', '-text']);
    assert.equal(text.status, 0, text.out);
    assert.match(text.out, /Version 2/);
    assert.match(text.out, new RegExp(`X509v3 CRL Number: \\s*${crlNumber}`));
    assert.match(text.out, /X509v3 Authority Key Identifier/);
    assert.match(text.out, new RegExp(`Serial Number: ${certs.revoked.serialHex}[\\s\\S]*?Key Compromise`, 'i'));
    assert.match(text.out, new RegExp(`Serial Number: ${certs.onHold.serialHex}[\\s\\S]*?Certificate Hold`, 'i'));
    assert.match(text.out, new RegExp(`Serial Number: ${certs.plain.serialHex}`, 'i'));
    assert.doesNotMatch(text.out, new RegExp(certs.good.serialHex, 'i'));
    const wrongIssuer = run('openssl', ['crl', '-in', crlPath, '-inform', 'DER', '-CAfile', write('root.pem', encodePem('CERTIFICATE', root.der)), '-noout', '-verify']);
    assert.doesNotMatch(wrongIssuer.out, /verify OK/, 'the root does not verify it');
  });

  test('OpenSSL and GnuTLS read an empty CRL', async () => {
    const der = await rootCrl();
    assert.equal(parseCrl(der).entryCount, 0);
    const crlPath = write('root.crl', der);
    const v = run('openssl', ['crl', '-in', crlPath, '-inform', 'DER', '-CAfile', write('root.pem', encodePem('CERTIFICATE', root.der)), '-noout', '-verify', '-text']);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /verify OK/);
    assert.match(v.out, /No Revoked Certificates/);
    const g = run('certtool', ['--crl-info', '--inder', '--infile', crlPath]);
    assert.equal(g.status, 0, g.out);
    assert.match(g.out, /No revoked certificates/);
  });

  test('GnuTLS certtool parses the CRL, lists the entries and verifies the signature', async () => {
    const crlPath = write('issuing-gnutls.crl', await realTimeCrl());
    const g = run('certtool', ['--crl-info', '--inder', '--infile', crlPath]);
    assert.equal(g.status, 0, g.out);
    assert.match(g.out, /Version: 2/);
    assert.match(g.out, /Revoked certificates \(3\)/);
    assert.match(g.out, new RegExp(`Serial Number \\(hex\\): ${certs.revoked.serialHex}`, 'i'));
    const pemPath = write('issuing-gnutls.pem', encodePem('X509 CRL', readFileSync(crlPath)));
    const verify = run('certtool', ['--verify-crl', '--infile', pemPath, '--load-ca-certificate', write('issuing-ca.pem', encodePem('CERTIFICATE', issuing.der))]);
    assert.equal(verify.status, 0, verify.out);
    assert.match(verify.out, /Verified/);
  });

  test('shared tools/crl-check.sh verifies the CRL and finds the revoked serial', async () => {
    const der = await realTimeCrl();
    const crlPath = write('check.crl', der);
    const issuerPem = write('check-issuer.pem', encodePem('CERTIFICATE', issuing.der));
    const script = sharedPath('tools', 'crl-check.sh');
    const revoked = run('bash', [script, crlPath, issuerPem, write('revoked.pem', encodePem('CERTIFICATE', certs.revoked.der))]);
    assert.match(revoked.out, /CRL OK entries=3/, revoked.out);
    assert.match(revoked.out, new RegExp(`CERT REVOKED serial=${certs.revoked.serialHex}`, 'i'));
    assert.match(revoked.out, /Key Compromise/);
    assert.equal(revoked.status, 1, 'exit 1: the certificate is revoked');
    const good = run('bash', [script, crlPath, issuerPem, write('good.pem', encodePem('CERTIFICATE', certs.good.der))]);
    assert.equal(good.status, 0, good.out);
    assert.match(good.out, /CERT GOOD/);
    const pem = run('bash', [script, write('check-pem.crl', encodePem('X509 CRL', der)), issuerPem]);
    assert.equal(pem.status, 0, pem.out);
    assert.match(pem.out, /CRL OK/);
  });

  test('100,000 entries: fast to build, parse back complete, verify with OpenSSL', async () => {
    const n = 100_000;
    const reasons: CrlReasonName[] = ['keyCompromise', 'unspecified', 'certificateHold', 'superseded', 'cessationOfOperation', 'affiliationChanged'];
    const random = nodeCrypto.randomBytes(16 * n);
    const entries: CrlEntryInput[] = new Array(n);
    const base = t.clock.now().getTime() - 365 * DAY;
    for (let i = 0; i < n; i++) {
      const s = random.subarray(16 * i, 16 * i + 16);
      s[0] = (s[0]! & 0x3f) | 0x40; // as generateSerial: 16 octets, positive
      entries[i] = { serialHex: toHex(s), revokedAt: new Date(base + i * 300_000), reason: reasons[i % reasons.length]! };
    }
    const template: CrlTemplate = {
      issuerDer: issuing.subjectDer, authorityKeyId: getSubjectKeyIdentifier(issuing)!, signatureAlgorithm: alg,
      thisUpdate: t.clock.now(), nextUpdate: new Date(t.clock.now().getTime() + DAY), crlNumber: 1000n, entries,
    };
    encodeTbsCertList({ ...template, entries: entries.slice(0, 2000) }); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const tbs = encodeTbsCertList(template);
    const t1 = performance.now();
    const der = assembleCrl(tbs, alg, await issuingSigner.sign(tbs, alg));
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const crl = parseCrl(der);
    const t3 = performance.now();
    console.log(`# 100,000-entry CRL (${(der.length / 1e6).toFixed(2)} MB): first encode ${(t1 - t0).toFixed(0)} ms, encode+sign+assemble ${(t2 - t0).toFixed(0)} ms wall / ${cpuMs.toFixed(0)} ms CPU; parseCrl ${(t3 - t2).toFixed(0)} ms`);
    // Timing is printed for information only: speed is judged by `npm run bench`, never by a test.
    assert.equal(crl.entryCount, n);
    for (const i of [0, 1, 2, 4, 31_337, n - 1]) {
      const e = findRevokedEntry(crl, crl.issuer.key, entries[i]!.serialHex);
      assert.equal(e?.revocationDate.getTime(), entries[i]!.revokedAt.getTime());
      assert.equal(e?.reasonCode, i % reasons.length === 1 ? undefined : CRL_REASON_CODES[entries[i]!.reason]);
    }
    let previous = '';
    for (const e of crl.entries.values()) {
      assert.ok(e.serialHex > previous, 'sorted (same-length serials sort like their hex)');
      previous = e.serialHex;
    }
    assert.ok(verifyCrlSignature(crl, issuing.spki, nodeCrypto));
    const v = run('openssl', ['crl', '-in', write('big.crl', der), '-inform', 'DER', '-CAfile', write('big-issuer.pem', encodePem('CERTIFICATE', issuing.der)), '-noout', '-verify']);
    assert.match(v.out, /verify OK/);
  });
});
