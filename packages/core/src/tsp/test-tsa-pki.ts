/**
 * Test support: a kyso test CA (root + issuing, SQLite, clock at the real current time so OpenSSL
 * accepts the certificates) that issues TSA certificates with the 'tsa' profile (RFC 3161 §2.3:
 * critical EKU timeStamping), with EC P-256 and RSA 2048 keys; PEM files for OpenSSL in a temp dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildName, createCsr, encodePem, parseDnString, type ParsedCertificate, type SignatureAlgorithm } from '@kyso/core';
import { CaService } from '@kyso/server/services/ca-service.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { FrozenClock, openTestDb, TEST_CEREMONY, TEST_PASSPHRASE } from '@kyso/server/services/test-ca.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';

export interface TestTsa {
  cert: ParsedCertificate;
  key: KeyObject;
  signer: KeyObjectSigner;
  alg: SignatureAlgorithm;
  /** PEM files: certificate, PKCS#8 key, and issuing CA + TSA certificate (for -untrusted). */
  certPem: string;
  keyPem: string;
  untrustedPem: string;
}

export interface TestTsaPki {
  dir: string;
  ca: CaService;
  root: ParsedCertificate;
  issuing: ParsedCertificate;
  rootPem: string;
  issuingPem: string;
  /** root + issuing, for OpenSSL -CAfile when the issuing CA is trusted too. */
  chainPem: string;
  ec: TestTsa;
  rsa: TestTsa;
  cleanup(): Promise<void>;
}

export async function createTestTsaPki(): Promise<TestTsaPki> {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-tsa-'));
  // One minute in the past: certificates are valid now for OpenSSL, which reads the real clock.
  const t = await openTestDb('sqlite', new FrozenClock(new Date(Date.now() - 60_000).toISOString()));
  const { root, issuing } = await CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE });
  const ca = await CaService.open(t.deps, TEST_PASSPHRASE);
  const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  const rootPem = write('root.pem', encodePem('CERTIFICATE', root.der));
  const issuingPem = write('issuing.pem', encodePem('CERTIFICATE', issuing.der));
  const chainPem = write('chain.pem', encodePem('CERTIFICATE', root.der) + encodePem('CERTIFICATE', issuing.der));
  const tsa = async (name: string, key: { kind: 'ec'; curve: 'P-256' } | { kind: 'rsa'; bits: 2048 }, alg: SignatureAlgorithm): Promise<TestTsa> => {
    // A CSR rather than a generated key: a PKCS#12 would cost a second of key derivation per test file.
    const privateKey = key.kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: key.curve }).privateKey : generateKeyPairSync('rsa', { modulusLength: key.bits }).privateKey;
    const signer = new KeyObjectSigner(privateKey);
    const csr = await createCsr({ subject: buildName(parseDnString(`CN=Kyso TSA ${name},O=Ủy ban nhân dân tỉnh Thử nghiệm`)), signer, algorithm: key.kind === 'ec' ? { scheme: 'ECDSA', hash: 'SHA-256' } : { scheme: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } });
    const r = await ca.issue({ profile: 'tsa', csr });
    return {
      cert: r.certificate, key: privateKey, signer, alg,
      certPem: write(`tsa-${name}.pem`, encodePem('CERTIFICATE', r.certificate.der)),
      keyPem: write(`tsa-${name}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      untrustedPem: write(`untrusted-${name}.pem`, encodePem('CERTIFICATE', issuing.der) + encodePem('CERTIFICATE', r.certificate.der)),
    };
  };
  const ec = await tsa('ec', { kind: 'ec', curve: 'P-256' }, { scheme: 'ECDSA', hash: 'SHA-256' });
  const rsa = await tsa('rsa', { kind: 'rsa', bits: 2048 }, { scheme: 'RSASSA-PSS', hash: 'SHA-256', saltLength: 32 });
  return {
    dir, ca, root, issuing, rootPem, issuingPem, chainPem, ec, rsa,
    async cleanup() { await t.cleanup(); rmSync(dir, { recursive: true, force: true }); },
  };
}
