/**
 * Test support for PDF signing and validation: a province CA (P-256 root and issuing CA) in a temp
 * directory, its CRL/OCSP/TSA served on a free 127.0.0.1 port that is also the certificates' base
 * URL, and signing identities issued as PKCS#12 and loaded back as Signers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate, type ParsedCertificate, type Signer } from '@kyso/core';
import type { FastifyInstance } from 'fastify';
import { readPkcs12 } from '../keys/pkcs12.ts';
import { KeyObjectSigner } from '../keys/key-object-signer.ts';
import { buildPkiApp } from '../http/app.ts';
import { parseCeremony } from '../config/ceremony.ts';
import { CaService, openCaDirectory, type CaDirectory } from './ca-directory.ts';
import type { IssueRequest } from './ca-service.ts';
import { startPki, type Pki } from './pki.ts';
import { FrozenClock } from './test-ca.ts';

export interface TestIdentity { signer: Signer; certificate: ParsedCertificate; chain: Uint8Array[]; serial: string }

export interface TestPdfPki {
  work: string;
  clock: FrozenClock;
  /** http://127.0.0.1:PORT — the CRL/OCSP/TSA base URL written into the certificates. */
  base: string;
  ca: CaService;
  pki: Pki;
  app: FastifyInstance;
  rootDer: Uint8Array;
  issue(req: Omit<IssueRequest, 'p12Password'>): Promise<TestIdentity>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port')))); });
  });
}

export async function startTestPdfPki(name: string, opts: { verifyRevocation?: 'embedded' | 'online' | 'none' } = {}): Promise<TestPdfPki> {
  const work = mkdtempSync(join(tmpdir(), `kyso-${name}-`));
  const clock = new FrozenClock(new Date(Math.floor(Date.now() / 1000) * 1000).toISOString());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secret = `${name} CA passphrase`;
  const p12Password = `${name} p12 password`;
  const caDir: CaDirectory = await openCaDirectory(join(work, 'ca'), { create: true, clock });
  await CaService.init(caDir.deps, {
    ceremony: parseCeremony({
      root: { subject: `CN=${name} Root CA,O=UBND tỉnh Thử,C=VN`, key: 'p256', years: 20 },
      issuing: { subject: `CN=${name} Issuing CA,O=UBND tỉnh Thử,C=VN`, key: 'p256', years: 10 },
      baseUrl: base,
    }),
    secret,
  });
  const ca = await CaService.open(caDir.deps, secret);
  const pki = await startPki(caDir.deps, ca, { pollMs: 600_000 });
  const app = buildPkiApp(pki, { clock, verifyRevocation: opts.verifyRevocation });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    work, clock, base, ca, pki, app,
    rootDer: (await ca.caCertificate('root')).der,
    async issue(req) {
      const issued = await ca.issue({ ...req, p12Password } as IssueRequest);
      const c = readPkcs12(issued.p12!, p12Password);
      return { signer: new KeyObjectSigner(c.privateKey), certificate: parseCertificate(c.certificate), chain: c.chain, serial: issued.certificate.serialHex };
    },
    async close() {
      pki.close();
      await app.close();
      await caDir.close();
      if (!process.env.KYSO_KEEP_TEST_OUTPUT) rmSync(work, { recursive: true, force: true });
    },
  };
}
