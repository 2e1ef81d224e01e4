/**
 * Several `kyso serve` instances on one PostgreSQL database (issue #6): nothing an instance keeps in
 * memory may break the others — sessions, lockouts, jobs, the audit chain, webhook secrets and
 * certificate statuses live in the database. Two complete instances (each its own HTTP listener,
 * connection pool and job runner) share one schema and one data directory. PostgreSQL only: that
 * is the multi-instance deployment (an embedded SQLite file has a single server).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { parseCertificate } from '@kyso/core';
import { startTestServer, ApiClient, type TestServer } from '../testing/test-server.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { queryOcsp } from '../net/ocsp-client.ts';
import { verifyAuditLog } from './audit-log.ts';
import { issueCredential } from './credentials.ts';

describe('two server instances on one PostgreSQL database', () => {
  let a: TestServer, b: TestServer;
  before(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres', { shareWith: a });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  /** Runs both job runners at the same time until neither finds a due job. */
  async function drainBoth(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [x, y] = await Promise.all([a.ctx.jobs.runDue(), b.ctx.jobs.runDue()]);
      if (x + y === 0) return;
    }
    assert.fail('the job queue did not drain');
  }

  test('a session made on one instance works on the other; logging out on either ends it', async () => {
    const onA = await a.as('snv.clerk');
    const onB = new ApiClient(b.base);
    onB.cookie = onA.cookie;
    onB.csrf = onA.csrf;
    const me = await onB.get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.username, 'snv.clerk');
    assert.equal((await onB.post('/api/v1/auth/logout')).status, 200);
    assert.equal((await onA.get('/api/v1/auth/me')).status, 401);
  });

  test('failed logins counted on both instances lock the account on both', async () => {
    for (let i = 0; i < a.ctx.config.lockoutAttempts; i++) {
      const r = await (i % 2 ? b : a).anonymous().post('/api/v1/auth/login', { username: 'xa.officer', password: 'wrong password!' });
      assert.equal(r.status, 401);
    }
    for (const s of [a, b]) {
      const r = await s.anonymous().post('/api/v1/auth/login', { username: 'xa.officer', password: 'pw-xa.officer-0123456789' });
      assert.equal(r.status, 429);
      assert.match(r.json.title, /locked/);
    }
  });

  test('200 jobs, both runners claiming at once: each job runs exactly once', async () => {
    const ran = new Map<string, string[]>();
    for (const [name, s] of [['A', a], ['B', b]] as const) {
      s.ctx.jobs.on('test.once', async (_payload, job) => {
        await tick(); // let the other runner's claim interleave
        ran.set(job.id, [...(ran.get(job.id) ?? []), name]);
      });
    }
    await a.ctx.tx(async (trx) => {
      for (let i = 0; i < 200; i++) await enqueueJob(trx, a.clock, { kind: 'test.once', payload: { i } });
    });
    await drainBoth();
    assert.equal(ran.size, 200);
    for (const [id, by] of ran) assert.equal(by.length, 1, `job ${id} ran ${by.length} times`);
    const byA = [...ran.values()].filter((v) => v[0] === 'A').length;
    assert.ok(byA > 0 && byA < 200, `both instances took jobs (A ${byA}, B ${200 - byA})`);
    const rows = await a.ctx.db.kysely.selectFrom('jobs').select(['status', 'attempts', 'locked_by']).where('kind', '=', 'test.once').execute();
    assert.equal(rows.length, 200);
    assert.ok(rows.every((r) => r.status === 'done' && r.attempts === 1));
    assert.deepEqual(new Set(rows.map((r) => r.locked_by)), new Set([a.ctx.instanceId, b.ctx.instanceId]));
  });

  test('audit entries appended concurrently by both instances form one unbroken chain', async () => {
    const logins = async () => (await a.ctx.db.kysely.selectFrom('audit_log').select('seq').where('action', '=', 'auth.login').execute()).length;
    const before = await logins();
    const users = ['tinh.leader', 'tinh.clerk', 'snv.leader', 'snv.officer', 'stc.clerk', 'huyen.leader', 'huyen.officer', 'xa.clerk'];
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).as(users[i % users.length]!)));
    assert.equal(await logins(), before + 50);
    // And straight through the services, 100 more in parallel.
    await Promise.all(Array.from({ length: 100 }, (_, i) => {
      const s = i % 2 ? b : a;
      return s.ctx.tx((trx) => s.ctx.audit(trx, { actor: 'system', action: 'test.concurrent', target: String(i) }));
    }));
    const v = await verifyAuditLog(b.ctx.db.kysely);
    assert.equal(v.ok, true, v.reason);
    const total = await a.ctx.db.kysely.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirstOrThrow();
    assert.equal(v.entries, Number(total.max), 'no gaps');
    assert.equal((await a.ctx.db.kysely.selectFrom('audit_log').select('seq').where('action', '=', 'test.concurrent').execute()).length, 100);
  });

  test('a webhook registered on one instance is delivered by the other, signed with the same secret', async () => {
    const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
    const rx = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c; });
      req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(204).end(); });
    });
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    try {
      const made = await (await a.as('stc.admin')).post('/api/v1/webhooks', { url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/`, events: ['document.*'] });
      assert.equal(made.status, 201, made.text);
      const stc = a.seed.agencies['000.02.00.H99']!;
      await a.ctx.tx((trx) => a.ctx.emit(trx, { type: 'document.sealed', agencyId: stc, data: { documentId: 'doc-7' } }));
      for (let i = 0; i < 5 && (await b.ctx.jobs.runDue()) > 0; i++);
      assert.equal(received.length, 1);
      const got = received[0]!;
      const expected = `sha256=${createHmac('sha256', made.json.secret).update(`${got.headers['x-kyso-timestamp']}.${got.body}`).digest('hex')}`;
      assert.equal(got.headers['x-kyso-signature'], expected);
      assert.equal(JSON.parse(got.body).data.documentId, 'doc-7');
      const job = await a.ctx.db.kysely.selectFrom('jobs').selectAll().where('kind', '=', 'webhook.deliver').executeTakeFirstOrThrow();
      assert.equal(job.locked_by, b.ctx.instanceId);
    } finally {
      await new Promise((r) => rx.close(r));
    }
  });

  test('a certificate issued and revoked through one instance: the other answers OCSP for it', async () => {
    const leader = a.seed.users['snv.leader']!.id;
    const { serial } = await issueCredential(a.ctx, { kind: 'official', agencyId: a.seed.agencies['000.01.00.H99']!, userId: leader, state: 'active' });
    const der = (await a.ctx.db.kysely.selectFrom('certificates').select('der').where('serial', '=', serial).executeTakeFirstOrThrow()).der;
    const certificate = parseCertificate(new Uint8Array(der));
    const issuer = parseCertificate((await b.ctx.ca.caCertificate('issuing')).der);
    const ask = () => queryOcsp({ url: `${b.base}/ocsp`, issuer, certificate, crypto: b.ctx.crypto, clock: b.clock });
    assert.equal((await ask()).status.kind, 'good');
    await a.ctx.ca.revoke(serial, 'keyCompromise');
    await b.ctx.pki.refresh(); // what B's poller does every pollMs
    assert.equal((await ask()).status.kind, 'revoked');
    const onB = await b.ctx.ca.get(serial);
    assert.equal(onB.status, 'revoked');
  });
});
