import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { sql } from 'kysely';
import {
  OID, buildName, createCsr, getExtendedKeyUsage, getKeyUsage, isKysoError, parseDnString, nameAttribute,
  addYears, type ParsedCertificate, type Signer,
} from '@kyso/core';
import { validatePath } from '@kyso/core/x509/path-validation.ts';
import { CaService } from './ca-service.ts';
import { parseCeremony } from '../config/ceremony.ts';
import { KeyObjectSigner, signWithKeyObject } from '../keys/key-object-signer.ts';
import { readPkcs12 } from '../keys/pkcs12.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { DIALECTS, TEST_CEREMONY, TEST_PASSPHRASE, openTestDb, type TestDb } from './test-ca.ts';

const P12 = 'p12-password-for-tests';

async function csrFor(subject: string, key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) {
  // A plain signer: KeyObjectSigner itself refuses weak keys, and these tests need one.
  const signer: Signer = {
    keySpec: key.asymmetricKeyType === 'ec' ? { kind: 'ec', curve: 'P-256' } : { kind: 'rsa', bits: 2048 },
    publicKey: new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' })),
    sign: async (data, alg) => signWithKeyObject(key, data, alg),
  };
  const alg = signer.keySpec.kind === 'ec' ? { scheme: 'ECDSA' as const, hash: 'SHA-256' as const } : { scheme: 'RSASSA-PKCS1-v1_5' as const, hash: 'SHA-256' as const };
  return { der: await createCsr({ subject: buildName(parseDnString(subject)), signer, algorithm: alg }), signer };
}

function expectKind(kind: string, re?: RegExp) {
  return (e: unknown) => isKysoError(e) && e.kind === kind && (!re || re.test(e.message));
}

for (const dialect of DIALECTS) {
  describe(`CA service on ${dialect}`, () => {
    let t: TestDb;
    let ca: CaService;
    let root: ParsedCertificate;
    let issuing: ParsedCertificate;
    const chainOk = (der: Uint8Array, at = t.clock.now()) => validatePath({ target: der, trustAnchors: [root.der], intermediates: [issuing.der], at, crypto: nodeCrypto, revocation: 'none' });

    before(async () => {
      t = await openTestDb(dialect);
      const r = await CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE });
      root = r.root; issuing = r.issuing;
      ca = await CaService.open(t.deps, TEST_PASSPHRASE);
    });
    after(async () => { await t.cleanup(); });

    test('ceremony makes a 20-year root and a 10-year issuing CA that chain', () => {
      assert.equal(root.notAfter.toISOString(), addYears(t.clock.now(), 20).toISOString());
      assert.equal(root.subjectString, 'CN=Test Root CA, O=Ủy ban nhân dân tỉnh Thử nghiệm, C=VN');
      const v = validatePath({ target: issuing.der, trustAnchors: [root.der], at: t.clock.now(), crypto: nodeCrypto, revocation: 'none' });
      assert.equal(v.valid, true, v.reason);
      assert.deepEqual([...getKeyUsage(issuing)!].sort(), ['cRLSign', 'keyCertSign']);
    });

    test('a second init on the same store is refused', async () => {
      await assert.rejects(CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE }), expectKind('conflict'));
    });

    test('every subscriber profile issues with a generated key delivered as PKCS#12', async () => {
      const cases = [
        { profile: 'agency' as const, subject: 'CN=Sở Tư pháp,O=Ủy ban nhân dân tỉnh Thử nghiệm', agencyCode: '000.00.31.H41', uid: 'MST:0101234567' },
        { profile: 'official' as const, subject: 'CN=Nguyễn Thị Bình,T=Giám đốc,O=Sở Tư pháp', uid: 'CCCD:001085012345' },
        { profile: 'service' as const, subject: 'CN=LGSP Thử nghiệm,O=Sở Thông tin và Truyền thông' },
        { profile: 'tsa' as const, subject: 'CN=Kyso TSA,O=Ủy ban nhân dân tỉnh Thử nghiệm', key: { kind: 'ec' as const, curve: 'P-256' as const } },
        { profile: 'ocsp' as const, subject: 'CN=Kyso OCSP,O=Ủy ban nhân dân tỉnh Thử nghiệm', key: { kind: 'ec' as const, curve: 'P-384' as const } },
      ];
      for (const c of cases) {
        const r = await ca.issue({ ...c, p12Password: P12 });
        const v = chainOk(r.certificate.der);
        assert.equal(v.valid, true, `${c.profile}: ${v.reason}`);
        assert.equal(nameAttribute(r.certificate.subject, OID.countryName), 'VN', 'C=VN is added');
        assert.equal(r.certificate.serialHex.length, 32, '16-byte serial');
        const p12 = await readPkcs12(r.p12!, P12);
        assert.deepEqual(p12.certificate, r.certificate.der);
        assert.equal(p12.chain.length, 2);
        const pub = new Uint8Array(createPublicKey(p12.privateKey).export({ type: 'spki', format: 'der' }));
        assert.deepEqual(pub, r.certificate.spki, 'the PKCS#12 key matches the certificate');
        const eku = getExtendedKeyUsage(r.certificate);
        if (c.profile === 'tsa') assert.deepEqual(eku, [OID.kpTimeStamping]);
        if (c.profile === 'ocsp') assert.ok(r.certificate.extensions.some((e) => e.oid === OID.ocspNoCheck));
      }
      const agency = (await ca.list({ profile: 'agency' }))[0]!;
      assert.equal(agency.agencyCode, '000.00.31.H41');
      assert.equal(agency.uid, 'MST:0101234567');
    });

    test('issue from a CSR checks proof of possession and key strength', async () => {
      const { der } = await csrFor('CN=Trần Văn Cường,O=UBND huyện Thử');
      const r = await ca.issue({ profile: 'official', csr: der, uid: 'CCCD:001085099999' });
      assert.equal(r.p12, undefined);
      assert.equal(nameAttribute(r.certificate.subject, OID.commonName), 'Trần Văn Cường');
      const forged = new Uint8Array(der);
      forged[forged.length - 5]! ^= 0x01;
      await assert.rejects(ca.issue({ profile: 'official', csr: forged, uid: 'CCCD:001085099999' }), (e) => isKysoError(e) && (e.kind === 'policy' || e.kind === 'malformed'));
      const weak = await csrFor('CN=Weak,O=X', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
      await assert.rejects(ca.issue({ profile: 'official', csr: weak.der, uid: 'CCCD:001085099999' }), expectKind('weak-crypto', /2048/));
      await assert.rejects(ca.issue({ profile: 'official', csr: new Uint8Array([0x30, 0x03, 1, 2, 3]) }), expectKind('malformed'));
      const sha1 = await createCsr({ subject: buildName(parseDnString('CN=Old,O=X')), signer: new KeyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), algorithm: { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' } });
      await assert.rejects(ca.issue({ profile: 'official', csr: sha1, uid: 'CCCD:001085099999' }), expectKind('weak-crypto', /SHA-1/));
    });

    test('bad requests are refused before anything is issued', async () => {
      const before = (await ca.list()).length;
      await assert.rejects(ca.issue({ profile: 'official', subject: 'CN=Không có CCCD,O=X', p12Password: P12 }), expectKind('policy', /uid/i));
      await assert.rejects(ca.issue({ profile: 'official', subject: 'CN=A,O=X', uid: 'CCCD:123', p12Password: P12 }), expectKind('invalid-argument', /12 digits/));
      await assert.rejects(ca.issue({ profile: 'agency', subject: 'CN=A,O=X', agencyCode: 'H41', p12Password: P12 }), expectKind('invalid-argument', /000\.00\.00\.H41/));
      await assert.rejects(ca.issue({ profile: 'agency', subject: 'CN=A,O=X', agencyCode: '000.00.31.H41', days: 5 * 366 + 1, p12Password: P12 }), expectKind('policy', /5 years/));
      await assert.rejects(ca.issue({ profile: 'root' as 'agency', subject: 'CN=A,O=X', p12Password: P12 }), expectKind('invalid-argument'));
      await assert.rejects(ca.issue({ profile: 'nope' as 'agency', subject: 'CN=A,O=X', p12Password: P12 }), expectKind('invalid-argument', /unknown profile/));
      await assert.rejects(ca.issue({ profile: 'service', subject: 'CN=A,O=X' }), expectKind('invalid-argument', /p12/i));
      await assert.rejects(ca.issue({ profile: 'service', subject: 'CN=A,O=X', p12Password: 'short' }), expectKind('weak-crypto'));
      await assert.rejects(ca.issue({ profile: 'service', subject: 'CN=A,XX=1', p12Password: P12 }), expectKind('malformed', /XX/));
      assert.equal((await ca.list()).length, before, 'nothing was recorded');
    });

    test('renew keeps the key and extends at most 3 years past the old end', async () => {
      const first = await ca.issue({ profile: 'official', subject: 'CN=Lê Văn Dũng,O=Sở Nội vụ', uid: 'CCCD:001085000002', days: 365, p12Password: P12 });
      t.clock.advanceDays(300);
      const renewed = await ca.renew(first.certificate.serialHex);
      assert.deepEqual(renewed.certificate.spki, first.certificate.spki);
      assert.notEqual(renewed.certificate.serialHex, first.certificate.serialHex);
      assert.equal(renewed.certificate.notAfter.toISOString(), addYears(first.certificate.notAfter, 3).toISOString());
      assert.equal((await ca.get(renewed.certificate.serialHex)).replaces, first.certificate.serialHex);
      await assert.rejects(ca.renew(first.certificate.serialHex, { days: 5 * 365 }), expectKind('policy', /3 years/));
      assert.equal(chainOk(renewed.certificate.der).valid, true);
      const rekeyed = await ca.rekey(first.certificate.serialHex, { p12Password: P12, key: { kind: 'ec', curve: 'P-256' } });
      assert.notDeepEqual(rekeyed.certificate.spki, first.certificate.spki);
      assert.equal(rekeyed.certificate.subjectString, first.certificate.subjectString);
      assert.equal((await ca.get(rekeyed.certificate.serialHex)).keySpec, 'p256');
      t.clock.advanceDays(-300);
    });

    test('suspend, resume and revoke follow RFC 5280 reasons and refuse impossible moves', async () => {
      const r = await ca.issue({ profile: 'service', subject: 'CN=Máy chủ 1,O=Sở TTTT', p12Password: P12, key: { kind: 'ec', curve: 'P-256' } });
      const s = r.certificate.serialHex;
      assert.equal((await ca.suspend(s)).status, 'suspended');
      assert.equal((await ca.get(s)).revocationReason, 'certificateHold');
      await assert.rejects(ca.suspend(s), expectKind('conflict'));
      assert.equal((await ca.resume(s)).status, 'good');
      await assert.rejects(ca.resume(s), expectKind('conflict'));
      await assert.rejects(ca.revoke(s, 'certificateHold'), expectKind('invalid-argument', /suspend/));
      await assert.rejects(ca.revoke(s, 'bogus'), expectKind('invalid-argument', /keyCompromise/));
      const rev = await ca.revoke(s.toUpperCase().match(/../g)!.join(':'), 'keycompromise');
      assert.equal(rev.status, 'revoked');
      assert.equal(rev.revocationReason, 'keyCompromise');
      await assert.rejects(ca.revoke(s), expectKind('conflict'));
      await assert.rejects(ca.resume(s), expectKind('conflict'));
      await assert.rejects(ca.renew(s), expectKind('conflict'));
      await assert.rejects(ca.get('zz'), expectKind('invalid-argument'));
      await assert.rejects(ca.get('0123'), expectKind('not-found'));
      const revoked = await ca.list({ status: 'revoked' });
      assert.ok(revoked.some((x) => x.serial === s));
      assert.ok((await ca.list({ query: 'Máy chủ' })).some((x) => x.serial === s));
      assert.ok((await ca.list({ query: s.slice(0, 10) })).some((x) => x.serial === s));
    });

    test('serial numbers are unique and carry 126 random bits', async () => {
      const all = await ca.list();
      const serials = new Set(all.map((r) => r.serial));
      assert.equal(serials.size, all.length);
      for (const s of serials) assert.match(s, /^[4-7][0-9a-f]{31}$/);
    });

    test('the issuance log is append-only and hash-chained', async () => {
      const ok = await ca.verifyLog();
      assert.equal(ok.ok, true);
      assert.ok(ok.entries >= 10);
      await assert.rejects(sql`UPDATE issuance_log SET action = 'x' WHERE seq = 1`.execute(t.db.kysely), /append-only/);
      await assert.rejects(sql`DELETE FROM issuance_log WHERE seq = 2`.execute(t.db.kysely), /append-only/);
      // Someone with database superpowers drops the guard and edits history: the chain names the entry.
      if (dialect === 'sqlite') await sql`DROP TRIGGER issuance_log_no_update`.execute(t.db.kysely);
      else await sql`DROP TRIGGER issuance_log_append_only ON issuance_log`.execute(t.db.kysely);
      await sql`UPDATE issuance_log SET details = '{}' WHERE seq = 3`.execute(t.db.kysely);
      const broken = await ca.verifyLog();
      assert.equal(broken.ok, false);
      assert.equal(broken.brokenAt, 3);
    });

    test('a wrong passphrase cannot unlock the CA key; listing needs none', async () => {
      const wrong = await CaService.open(t.deps, 'not the passphrase!!');
      await assert.rejects(wrong.issue({ profile: 'service', subject: 'CN=X,O=Y', p12Password: P12 }), expectKind('auth'));
      const none = await CaService.open(t.deps);
      assert.ok((await none.list()).length > 0);
      await assert.rejects(none.issue({ profile: 'service', subject: 'CN=X,O=Y', p12Password: P12 }), expectKind('auth', /pass-env/));
    });
  });
}

test('a ceremony file with problems lists them all', () => {
  assert.throws(() => parseCeremony({ root: { subject: 'CN=R', key: 'rsa1024', years: 30 }, issuing: { subject: 'XX', key: 'p256', years: 5 }, policies: ['abc'] }),
    (e) => isKysoError(e, 'invalid-argument') && /root\.key/.test(e.message) && /root\.years/.test(e.message) && /issuing\.subject/.test(e.message) && /policies\.0/.test(e.message));
});
