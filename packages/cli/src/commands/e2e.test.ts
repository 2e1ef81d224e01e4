/**
 * The "done when", scripted with fetch against a real `kyso serve` process — the command
 * `npm start` runs, on a fresh data directory: a new user reads the printed logins, logs in, an
 * agency administrator requests certificates for a leader and for the agency seal, the provincial
 * administrator approves them, the holders activate them (with a PIN), an officer uploads a PDF,
 * the leader signs it, the clerk seals it (document number assigned), and anyone verifies it —
 * through kyso's public verification route and through the shared independent validators.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeSimplePdf, sharedPath } from '@kyso/testkit';
import { freePort, runTool } from './test-cli.ts';

const KYSO = resolve(import.meta.dirname, '../../bin/kyso.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Session {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}
  async call(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: any; bytes: Uint8Array }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) { headers['content-type'] = type; payload = body; }
    else if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
    const res = await fetch(this.base + path, { method, headers, body: payload });
    const bytes = new Uint8Array(await res.arrayBuffer());
    let json: any;
    if ((res.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(new TextDecoder().decode(bytes));
    if (path === '/api/v1/auth/login' && res.status === 200) {
      this.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
      this.csrf = json.csrfToken;
    }
    return { status: res.status, json, bytes };
  }
  async ok(method: string, path: string, body?: unknown, type?: string): Promise<any> {
    const r = await this.call(method, path, body, type);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }
}

describe('end to end over HTTP: npm start → log in → certificates → sign → seal → verify', () => {
  let data: string;
  let server: ChildProcess;
  let out = '';
  let base: string;
  const passwords = new Map<string, string>();

  before(async () => {
    data = mkdtempSync(join(tmpdir(), 'kyso-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // What `npm start` runs (kyso serve --data ./kyso-data), on a fresh directory and a free port.
    server = spawn(process.execPath, [KYSO, 'serve', '--data', data, '--port', String(port)], {
      env: { ...process.env, KYSO_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => { out += d; });
    server.stderr!.on('data', (d) => { out += d; });
    for (let i = 0; i < 1200 && !out.includes('API description'); i++) await sleep(50);
    assert.match(out, /listening on/, out);
    for (const m of out.matchAll(/^ {2}([a-z.]+) +(\S+)$/gm)) passwords.set(m[1]!, m[2]!);
  });

  after(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
    if (!process.env.KYSO_KEEP_TEST_OUTPUT) rmSync(data, { recursive: true, force: true });
  });

  test('the whole chain', { timeout: 300_000 }, async () => {
    assert.equal((await fetch(`${base}/api/v1/health`)).status, 200);
    const as = async (username: string) => {
      const s = new Session(base);
      const pw = passwords.get(username);
      assert.ok(pw, `${username} printed at first start`);
      await s.ok('POST', '/api/v1/auth/login', { username, password: pw });
      return s;
    };
    const sysadmin = await as('sysadmin');
    const admin = await as('snv.admin');
    const leader = await as('snv.leader');
    const clerk = await as('snv.clerk');
    const officer = await as('snv.officer');
    const leaderMe = (await leader.ok('GET', '/api/v1/auth/me')).user;

    // Certificates: requested by the agency administrator, approved by the provincial administrator.
    const personal = (await admin.ok('POST', '/api/v1/certificate-requests', { action: 'issue', kind: 'official', userId: leaderMe.id })).request;
    const seal = (await admin.ok('POST', '/api/v1/certificate-requests', { action: 'issue', kind: 'agency' })).request;
    const approvedPersonal = (await sysadmin.ok('POST', `/api/v1/certificate-requests/${personal.id}/approve`)).request;
    const approvedSeal = (await sysadmin.ok('POST', `/api/v1/certificate-requests/${seal.id}/approve`)).request;
    assert.equal(approvedPersonal.status, 'completed');
    assert.equal(approvedSeal.status, 'completed');
    // The holders activate them, each choosing a PIN.
    await leader.ok('POST', `/api/v1/credentials/${approvedPersonal.resultSerial}/activate`, { pin: '246810' });
    await clerk.ok('POST', `/api/v1/credentials/${approvedSeal.resultSerial}/activate`, { pin: '135790' });

    // An officer uploads the draft; the leader signs; the clerk seals.
    const draft = (await officer.ok('POST', `/api/v1/documents?title=${encodeURIComponent('Quyết định thử nghiệm')}&series=${encodeURIComponent('QĐ')}`,
      makeSimplePdf({ text: 'Quyet dinh ve viec thu nghiem ky so' }), 'application/pdf')).document;
    const signed = await leader.ok('POST', '/api/v1/documents/sign', { documentIds: [draft.id], pin: '246810' });
    assert.equal(signed.results[0].ok, true, JSON.stringify(signed));
    const sealed = await clerk.ok('POST', '/api/v1/documents/seal', { documentIds: [draft.id], pin: '135790' });
    assert.equal(sealed.results[0].ok, true, JSON.stringify(sealed));
    assert.equal(sealed.results[0].numberText, '01/QĐ-SNV'); // Decree 30: numbers start at 01 each year
    const pdf = (await officer.call('GET', `/api/v1/documents/${draft.id}/pdf`)).bytes;

    // Anyone verifies it, without logging in.
    const anyone = new Session(base);
    const report = await anyone.ok('POST', '/api/v1/verify', pdf, 'application/pdf');
    assert.equal(report.signatures.length, 2);
    for (const s of report.signatures) assert.equal(s.indication, 'TOTAL_PASSED', JSON.stringify(s));
    const printable = await anyone.call('POST', '/api/v1/verify?format=pdf', pdf, 'application/pdf');
    assert.equal(printable.status, 200);
    assert.equal(new TextDecoder().decode(printable.bytes.subarray(0, 5)), '%PDF-');

    // And so do tools nobody here wrote, trusting only the province root.
    const root = await fetch(`${base}/ca/root.crt`).then((r) => r.arrayBuffer());
    const rootPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(root).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(data, 'root.pem'), rootPem);
    writeFileSync(join(data, 'sealed.pdf'), pdf);
    const v = await runTool('bash', [sharedPath('tools', 'verify-pdf.sh'), join(data, 'sealed.pdf'), join(data, 'root.pem')]);
    assert.equal(v.code, 0, v.out);
    assert.match(v.out, /VALID/);

    // The audit log recorded the chain and verifies.
    const auditor = await as('auditor');
    const audit = await auditor.ok('GET', '/api/v1/audit/verify');
    assert.equal(audit.ok, true);
  });
});
