/**
 * `kyso serve-pki` end to end with clients nobody here wrote: OpenSSL ocsp/ts/crl and the shared
 * validators (ocsp-query.sh, verify-tsr.sh, crl-check.sh). Everything on 127.0.0.1.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '@kyso/testkit';
import { servePkiCommand } from './serve-pki.ts';
import { freePort, kyso, runTool as run } from './test-cli.ts';

process.env.KYSO_SP_PASS = 'serve-pki test passphrase';
process.env.KYSO_SP_P12 = 'p12 password for tests';




const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kyso serve-pki', () => {
  let work: string;
  let base: string;
  let stop: AbortController;
  let served: Promise<number>;
  let serial: string;
  const f = (n: string) => join(work, n);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kyso-pki-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(f('ceremony.json'), JSON.stringify({
      root: { subject: 'CN=PKI Test Root,O=UBND tỉnh Thử,C=VN', key: 'p384', years: 20 },
      issuing: { subject: 'CN=PKI Test Issuing,O=UBND tỉnh Thử,C=VN', key: 'p256', years: 10 },
      baseUrl: base,
    }));
    const pass = ['--pass-env', 'KYSO_SP_PASS'];
    assert.equal((await kyso('ca', 'init', '--dir', f('ca'), '--config', f('ceremony.json'), ...pass)).code, 0);
    const issued = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', 'official', '--subject', 'CN=Võ Thị Lan,O=Sở Xây dựng', '--uid', 'CCCD:001190000456',
      '--key', 'p256', '--out', f('lan'), '--p12-pass-env', 'KYSO_SP_P12', ...pass);
    assert.equal(issued.code, 0, issued.stderr);
    serial = /serial ([0-9a-f]+)/.exec(issued.stdout)![1]!;
    const chain = (await kyso('ca', 'chain', '--dir', f('ca'))).stdout;
    const pems = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    writeFileSync(f('issuing.pem'), pems[0]!);
    writeFileSync(f('root.pem'), pems[1]!);
    writeFileSync(f('chain.pem'), chain);
    stop = new AbortController();
    let out = '';
    served = servePkiCommand(['--dir', f('ca'), '--port', String(port), '--poll-ms', '100', ...pass], { stdout: (s) => { out += s; }, stderr: (s) => { out += s; } }, { signal: stop.signal });
    for (let i = 0; i < 600 && !out.includes('listening'); i++) await sleep(50);
    assert.match(out, /listening on http:\/\/127\.0\.0\.1/);
  });

  after(async () => {
    stop?.abort();
    assert.equal(await served, 0);
    rmSync(work, { recursive: true, force: true });
  });

  test('health and CA certificates on the caIssuers URLs', async () => {
    assert.equal((await fetch(`${base}/api/v1/health`)).status, 200);
    const res = await fetch(`${base}/ca/issuing.crt`);
    assert.equal(res.headers.get('content-type'), 'application/pkix-cert');
    const der = Buffer.from(await res.arrayBuffer());
    assert.match((await run('openssl', ['x509', '-inform', 'DER', '-noout', '-subject'], { input: der })).out, /PKI Test Issuing/);
    const missing = await fetch(`${base}/crl/other.crl`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type')!, /^application\/problem\+json/);
  });

  test('OCSP: openssl says good with a verified response, then revoked after kyso ca revoke', async () => {
    const ask = (extra: string[] = []) => run('openssl', ['ocsp', ...extra, '-issuer', f('issuing.pem'), '-cert', f('lan.crt.pem'), '-url', `${base}/ocsp`,
      '-CAfile', f('chain.pem'), '-timeout', '10']);
    const good = await ask();
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /Response verify OK/);
    assert.match(good.out, /lan\.crt\.pem: good/);
    const noNonce = await ask(['-no_nonce', '-sha256']);
    assert.match(noNonce.out, /Response verify OK/);
    assert.match(noNonce.out, /: good/);
    const shared = await run('bash', [sharedPath('tools', 'ocsp-query.sh'), `${base}/ocsp`, f('issuing.pem'), f('lan.crt.pem'), f('chain.pem')]);
    assert.equal(shared.code, 0, shared.out);
    assert.match(shared.out, /OCSP GOOD .*verified=yes nonce=ok/);

    const rev = await kyso('ca', 'revoke', '--dir', f('ca'), '--serial', serial, '--reason', 'keyCompromise');
    assert.equal(rev.code, 0, rev.stderr);
    let last = '';
    for (let i = 0; i < 40; i++) {
      last = (await ask(['-no_nonce'])).out; // the pre-signed response must be replaced, not only fresh nonce responses
      if (/: revoked/.test(last)) break;
      await sleep(100);
    }
    assert.match(last, /: revoked/);
    assert.match(last, /Reason: keyCompromise/);
    assert.match(last, /Response verify OK/);
    const withNonce = await ask();
    assert.match(withNonce.out, /: revoked/);
  });

  test('OCSP: garbage gets malformedRequest, a foreign issuer unauthorized, GET form works', async () => {
    const garbage = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from('not an ocsp request') });
    assert.equal(garbage.status, 200);
    const g = Buffer.from(await garbage.arrayBuffer());
    assert.deepEqual([...g], [0x30, 0x03, 0x0a, 0x01, 0x01], 'OCSPResponse{ malformedRequest }');
    // A request about a certificate of another CA: the root certifies itself here, so ask about the issuing CA under a stranger.
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('stranger.key'), '-out', f('stranger.pem'), '-subj', '/CN=Stranger', '-days', '2']);
    await run('openssl', ['ocsp', '-issuer', f('stranger.pem'), '-cert', f('lan.crt.pem'), '-reqout', f('foreign.der'), '-no_nonce']);
    const foreign = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: readFileSync(f('foreign.der')) });
    assert.deepEqual([...Buffer.from(await foreign.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x06], 'OCSPResponse{ unauthorized }');
    await run('openssl', ['ocsp', '-issuer', f('issuing.pem'), '-cert', f('lan.crt.pem'), '-reqout', f('req.der'), '-no_nonce']);
    const b64 = encodeURIComponent(readFileSync(f('req.der')).toString('base64'));
    const get = await fetch(`${base}/ocsp/${b64}`);
    assert.equal(get.headers.get('content-type'), 'application/ocsp-response');
    writeFileSync(f('get-resp.der'), Buffer.from(await get.arrayBuffer()));
    const text = await run('openssl', ['ocsp', '-respin', f('get-resp.der'), '-issuer', f('issuing.pem'), '-CAfile', f('chain.pem'), '-resp_text']);
    assert.match(text.out, /Response verify OK/);
    const big = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.alloc(64 * 1024, 0x30) });
    assert.equal(big.status, 413);
  });

  test('TSA: openssl ts -query → HTTP → openssl ts -verify says Verification: OK; SHA-1 is refused', async () => {
    writeFileSync(f('doc.txt'), 'Quyết định số 15/QĐ-UBND ngày 27/11/2026');
    await run('openssl', ['ts', '-query', '-data', f('doc.txt'), '-sha256', '-cert', '-out', f('q.tsq')]);
    const res = await fetch(`${base}/tsa`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: readFileSync(f('q.tsq')) });
    assert.equal(res.headers.get('content-type'), 'application/timestamp-reply');
    writeFileSync(f('r.tsr'), Buffer.from(await res.arrayBuffer()));
    const v = await run('openssl', ['ts', '-verify', '-data', f('doc.txt'), '-in', f('r.tsr'), '-CAfile', f('root.pem'), '-untrusted', f('issuing.pem')]);
    assert.match(v.out, /Verification: OK/, v.out);
    const shared = await run('bash', [sharedPath('tools', 'verify-tsr.sh'), '--url', `${base}/tsa`, f('doc.txt'), f('root.pem'), f('issuing.pem')]);
    assert.equal(shared.code, 0, shared.out);
    assert.match(shared.out, /TSR VALID/);
    await run('openssl', ['ts', '-query', '-data', f('doc.txt'), '-sha1', '-out', f('q1.tsq')]);
    const sha1 = await fetch(`${base}/tsa`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: readFileSync(f('q1.tsq')) });
    writeFileSync(f('r1.tsr'), Buffer.from(await sha1.arrayBuffer()));
    const t = await run('openssl', ['ts', '-reply', '-in', f('r1.tsr'), '-text']);
    assert.match(t.out, /Status: Rejected/i);
    assert.match(t.out, /unrecognized or unsupported algorithm identifier|bad_alg/i);
  });

  test('CRL: served with ETag and caching headers, verified by openssl and crl-check.sh, lists the revoked serial', async () => {
    await sleep(300); // the revocation of the OCSP test reaches the CRL through the poller
    const res = await fetch(`${base}/crl/issuing.crl`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pkix-crl');
    const etag = res.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    assert.match(res.headers.get('cache-control')!, /max-age=\d+/);
    writeFileSync(f('issuing.crl'), Buffer.from(await res.arrayBuffer()));
    const v = await run('openssl', ['crl', '-in', f('issuing.crl'), '-inform', 'DER', '-CAfile', f('issuing.pem'), '-noout', '-verify', '-text']);
    assert.match(v.out, /verify OK/);
    assert.match(v.out, new RegExp(`Serial Number: ${serial.toUpperCase()}`));
    assert.match(v.out, /Key Compromise/);
    assert.equal((await fetch(`${base}/crl/issuing.crl`, { headers: { 'if-none-match': etag } })).status, 304);
    const shared = await run('bash', [sharedPath('tools', 'crl-check.sh'), `${base}/crl/issuing.crl`, f('issuing.pem'), f('lan.crt.pem')]);
    assert.match(shared.out, /CRL OK/);
    assert.match(shared.out, /CERT REVOKED/);
    const root = await fetch(`${base}/crl/root.crl`);
    writeFileSync(f('root.crl'), Buffer.from(await root.arrayBuffer()));
    assert.match((await run('openssl', ['crl', '-in', f('root.crl'), '-inform', 'DER', '-CAfile', f('root.pem'), '-noout', '-verify'])).out, /verify OK/);
  });

  test('a suspended certificate is on the CRL with certificateHold and leaves it when resumed', async () => {
    const issued = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', 'service', '--subject', 'CN=May chu,O=So TTTT', '--key', 'p256',
      '--out', f('svc'), '--p12-pass-env', 'KYSO_SP_P12', '--pass-env', 'KYSO_SP_PASS');
    const s = /serial ([0-9a-f]+)/.exec(issued.stdout)![1]!;
    const crlText = async () => {
      writeFileSync(f('c.crl'), Buffer.from(await (await fetch(`${base}/crl/issuing.crl`)).arrayBuffer()));
      return (await run('openssl', ['crl', '-in', f('c.crl'), '-inform', 'DER', '-noout', '-text'])).out;
    };
    const eventually = async (re: RegExp, present: boolean) => {
      let text = '';
      for (let i = 0; i < 40; i++) {
        text = await crlText();
        if (re.test(text) === present) return text;
        await sleep(100);
      }
      return text;
    };
    const listed = new RegExp(`Serial Number: ${s.toUpperCase()}`);
    await kyso('ca', 'suspend', '--dir', f('ca'), '--serial', s);
    const held = await eventually(listed, true);
    assert.match(held, new RegExp(`Serial Number: ${s.toUpperCase()}[\\s\\S]*?Certificate Hold`));
    const numberBefore = /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(held)![1]!;
    await kyso('ca', 'resume', '--dir', f('ca'), '--serial', s);
    const after = await eventually(listed, false);
    assert.doesNotMatch(after, listed);
    assert.ok(Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(after)![1]) > Number(numberBefore), 'CRL number increases');
  });
});
