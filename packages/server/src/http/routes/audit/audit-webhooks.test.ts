import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { DIALECTS } from '../../../services/test-ca.ts';
import { startTestServer, ApiClient, type TestServer } from '../../../testing/test-server.ts';
import { createApiToken } from '../../../auth/sessions.ts';
import type { Scope } from '../../../auth/principal.ts';
import { eventMatches, WEBHOOK_MAX_ATTEMPTS } from '../../../services/webhook-service.ts';
import { SecretBox } from '../../../crypto/secret-box.ts';

interface Received { headers: Record<string, string | string[] | undefined>; body: string }

/** A webhook receiver on 127.0.0.1 answering with the statuses queued in `answers` (then 200). */
async function startReceiver(): Promise<{ url: string; received: Received[]; answers: number[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, answers, close: () => new Promise((r) => server.close(() => r())) };
}

test('event patterns: exact, family, everything', () => {
  assert.ok(eventMatches(['document.signed'], 'document.signed'));
  assert.ok(!eventMatches(['document.signed'], 'document.sealed'));
  assert.ok(eventMatches(['certificate.*'], 'certificate.revoked'));
  assert.ok(!eventMatches(['certificate.*'], 'certificates.revoked'));
  assert.ok(!eventMatches(['document.*'], 'documentx.signed'));
  assert.ok(eventMatches(['*'], 'anything.at-all'));
});

test('secret box: opens only under the same key and label', () => {
  const kek = randomBytes(32);
  const box = new SecretBox(kek, 'stored secrets');
  const sealed = box.seal('whsec_abc', 'webhook:1');
  assert.ok(!sealed.includes('whsec_abc'));
  assert.equal(box.open(sealed, 'webhook:1'), 'whsec_abc');
  assert.throws(() => box.open(sealed, 'webhook:2'), /cannot be opened/);
  assert.throws(() => new SecretBox(kek, 'another purpose').open(sealed, 'webhook:1'), /cannot be opened/);
  assert.throws(() => box.open('v2.xxxx', 'webhook:1'), /not in a known format/);
});

for (const dialect of DIALECTS) {
  describe(`audit API and webhooks (${dialect})`, () => {
    let s: TestServer;
    let snv: string, stc: string;
    before(async () => {
      s = await startTestServer(dialect);
      snv = s.seed.agencies['000.01.00.H99']!;
      stc = s.seed.agencies['000.02.00.H99']!;
    });
    after(async () => { await s?.close(); });

    async function tokenClient(agencyId: string, scopes: Scope[]): Promise<ApiClient> {
      const { token } = await createApiToken(s.ctx.db.kysely, { agencyId, name: `test ${scopes.join(' ')}`, scopes, createdBy: 'test', now: s.clock.now() });
      const c = s.anonymous();
      c.bearer = token;
      return c;
    }

    /** Runs the job queue until nothing is due now. */
    async function drain(): Promise<void> {
      for (let i = 0; i < 20 && (await s.ctx.jobs.runDue()) > 0; i++);
    }

    const advance = (ms: number) => s.clock.set(new Date(s.clock.now().getTime() + ms).toISOString());

    async function emit(type: string, agencyId: string, data: Record<string, unknown>): Promise<void> {
      await s.ctx.tx((trx) => s.ctx.emit(trx, { type, agencyId, data }));
    }

    test('audit entries: an auditor reads every agency, an agency administrator its own; paging and filters', async () => {
      const auditor = await s.as('auditor');
      const snvAdmin = await s.as('snv.admin');
      await s.as('stc.admin');
      const all = await auditor.get('/api/v1/audit?limit=1000');
      assert.equal(all.status, 200);
      const entries = all.json.entries as Array<{ seq: number; agencyId: string | null; action: string; prevHash: string; hash: string; target: string | null }>;
      assert.equal(all.json.next, null);
      entries.forEach((e, i) => {
        assert.equal(e.seq, i + 1);
        if (i > 0) assert.equal(e.prevHash, entries[i - 1]!.hash);
      });
      assert.ok(entries.some((e) => e.action === 'system.bootstrap' && e.agencyId === null));
      assert.ok(entries.some((e) => e.action === 'auth.login' && e.target === 'snv.admin' && e.agencyId === snv));
      assert.ok(entries.some((e) => e.action === 'auth.login' && e.target === 'stc.admin' && e.agencyId === stc));

      const own = await snvAdmin.get('/api/v1/audit');
      assert.equal(own.status, 200);
      assert.ok(own.json.entries.length > 0);
      assert.ok(own.json.entries.every((e: { agencyId: string }) => e.agencyId === snv));
      assert.ok(own.json.entries.some((e: { target: string }) => e.target === 'snv.admin'));
      const other = await snvAdmin.get(`/api/v1/audit?agencyId=${stc}`);
      assert.equal(other.status, 403);
      const onlyStc = await auditor.get(`/api/v1/audit?agencyId=${stc}`);
      assert.ok(onlyStc.json.entries.length > 0 && onlyStc.json.entries.every((e: { agencyId: string }) => e.agencyId === stc));

      // Paging: two at a time, the next page starts where the previous stopped.
      const p1 = await auditor.get('/api/v1/audit?limit=2');
      assert.deepEqual(p1.json.entries.map((e: { seq: number }) => e.seq), [1, 2]);
      assert.equal(p1.json.next, 3);
      const p2 = await auditor.get(`/api/v1/audit?limit=2&fromSeq=${p1.json.next}`);
      assert.deepEqual(p2.json.entries.map((e: { seq: number }) => e.seq), [3, 4]);
      const family = await auditor.get('/api/v1/audit?action=auth.*&limit=1000');
      assert.ok(family.json.entries.length >= 3 && family.json.entries.every((e: { action: string }) => e.action.startsWith('auth.')));
      const exact = await auditor.get('/api/v1/audit?action=system.bootstrap');
      assert.deepEqual(exact.json.entries.map((e: { action: string }) => e.action), ['system.bootstrap']);

      // Bad queries are 400s; other roles 403; nobody 401.
      for (const q of ['limit=1001', 'limit=0', 'fromSeq=0', "action=auth.%25", 'agencyId=nope', 'colour=blue']) {
        const r = await auditor.get(`/api/v1/audit?${q}`);
        assert.equal(r.status, 400, q);
      }
      assert.equal((await (await s.as('snv.officer')).get('/api/v1/audit')).status, 403);
      assert.equal((await s.anonymous().get('/api/v1/audit')).status, 401);
      // An API token with audit:read reads its own agency only; one without the scope nothing.
      const reader = await tokenClient(stc, ['audit:read']);
      const viaToken = await reader.get('/api/v1/audit?limit=1000');
      assert.equal(viaToken.status, 200);
      assert.ok(viaToken.json.entries.length > 0 && viaToken.json.entries.every((e: { agencyId: string }) => e.agencyId === stc));
      assert.equal((await (await tokenClient(stc, ['verify'])).get('/api/v1/audit')).status, 403);
    });

    test('audit verify: auditor and system administrator only', async () => {
      const r = await (await s.as('auditor')).get('/api/v1/audit/verify');
      assert.equal(r.status, 200);
      assert.equal(r.json.ok, true);
      assert.ok(r.json.entries > 3);
      assert.match(r.json.lastHash, /^[0-9a-f]{64}$/);
      assert.equal((await (await s.as('sysadmin')).get('/api/v1/audit/verify')).json.ok, true);
      assert.equal((await (await s.as('snv.admin')).get('/api/v1/audit/verify')).status, 403);
    });

    test('webhooks: signed delivery, retried with backoff after a 500, other agencies and events ignored', async () => {
      const rx = await startReceiver();
      try {
        const admin = await s.as('snv.admin');
        const created = await admin.post('/api/v1/webhooks', { url: rx.url, events: ['document.signed', 'certificate.*'] });
        assert.equal(created.status, 201, created.text);
        const secret = created.json.secret as string;
        assert.match(secret, /^whsec_[A-Za-z0-9_-]{40,}$/);
        const id = created.json.webhook.id as string;
        assert.deepEqual(created.json.webhook.events, ['document.signed', 'certificate.*']);
        const row = await s.ctx.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.ok(!row.secret_enc.includes(secret), 'the secret is stored sealed');
        const listed = await admin.get('/api/v1/webhooks');
        assert.equal(listed.json.webhooks.length, 1);
        assert.equal(listed.json.webhooks[0].secret, undefined);
        assert.ok(!listed.text.includes(secret));

        rx.answers.push(500);
        await emit('document.signed', snv, { documentId: 'doc-1', number: '15/QĐ-UBND' });
        await emit('document.uploaded', snv, { documentId: 'doc-2' }); // not subscribed
        await emit('document.signed', stc, { documentId: 'doc-3' }); // another agency
        await drain();
        assert.equal(rx.received.length, 1, 'one delivery attempt, answered 500');
        const job = await s.ctx.db.kysely.selectFrom('jobs').selectAll().where('kind', '=', 'webhook.deliver').executeTakeFirstOrThrow();
        assert.equal(job.status, 'queued');
        assert.equal(job.attempts, 1);
        assert.match(job.last_error ?? '', /HTTP 500/);
        assert.equal(job.max_attempts, WEBHOOK_MAX_ATTEMPTS);
        await drain();
        assert.equal(rx.received.length, 1, 'not retried before the backoff');
        advance(1500);
        await drain();
        assert.equal(rx.received.length, 2);
        const done = await s.ctx.db.kysely.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
        assert.equal(done.status, 'done');
        assert.equal(await s.ctx.db.kysely.selectFrom('jobs').select('id').where('kind', '=', 'webhook.deliver').execute().then((r) => r.length), 1);

        for (const got of rx.received) {
          assert.equal(got.headers['x-kyso-event'], 'document.signed');
          assert.equal(got.headers['x-kyso-delivery'], job.id);
          assert.equal(got.headers['content-type'], 'application/json');
          const ts = got.headers['x-kyso-timestamp'] as string;
          assert.match(ts, /^\d{10}$/);
          const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${got.body}`).digest('hex')}`;
          assert.equal(got.headers['x-kyso-signature'], expected);
          const body = JSON.parse(got.body);
          assert.deepEqual(Object.keys(body).sort(), ['agencyId', 'at', 'data', 'id', 'type']);
          assert.equal(body.type, 'document.signed');
          assert.equal(body.agencyId, snv);
          assert.deepEqual(body.data, { documentId: 'doc-1', number: '15/QĐ-UBND' });
        }
        const [a, b] = rx.received;
        assert.equal(JSON.parse(a!.body).id, JSON.parse(b!.body).id, 'a retry carries the same event id');
        assert.notEqual(a!.headers['x-kyso-timestamp'], b!.headers['x-kyso-timestamp']);
        // A forged body does not match the signature.
        const forged = `sha256=${createHmac('sha256', secret).update(`${b!.headers['x-kyso-timestamp']}.${b!.body.replace('doc-1', 'doc-9')}`).digest('hex')}`;
        assert.notEqual(b!.headers['x-kyso-signature'], forged);

        // certificate.* matches; a receiver that never accepts is given up after the max attempts.
        rx.answers.push(...Array(WEBHOOK_MAX_ATTEMPTS).fill(503));
        await emit('certificate.revoked', snv, { serial: 'ab12' });
        for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) { await drain(); advance(1000 * 2 ** i + 100); }
        await drain();
        assert.equal(rx.received.length, 2 + WEBHOOK_MAX_ATTEMPTS);
        const failed = await s.ctx.db.kysely.selectFrom('jobs').selectAll().where('kind', '=', 'webhook.deliver').where('status', '=', 'failed').execute();
        assert.equal(failed.length, 1);
        assert.match(failed[0]!.last_error ?? '', /HTTP 503/);

        // A deleted webhook's queued deliveries are dropped, not sent.
        await emit('document.signed', snv, { documentId: 'doc-4' });
        assert.equal(await s.ctx.jobs.runDue(), 1, 'the fan-out alone');
        const queued = await s.ctx.db.kysely.selectFrom('jobs').selectAll().where('kind', '=', 'webhook.deliver').where('status', '=', 'queued').executeTakeFirstOrThrow();
        assert.match(queued.payload, /doc-4/);
        assert.equal((await admin.request('DELETE', `/api/v1/webhooks/${id}`)).status, 200);
        await drain();
        assert.equal((await s.ctx.db.kysely.selectFrom('jobs').select('status').where('id', '=', queued.id).executeTakeFirstOrThrow()).status, 'done');
        assert.equal(rx.received.length, 2 + WEBHOOK_MAX_ATTEMPTS);
        assert.equal((await s.ctx.db.kysely.selectFrom('jobs').select('status').where('kind', '=', 'webhook.deliver').where('status', '!=', 'done').execute()).length, 1);
        assert.deepEqual((await admin.get('/api/v1/webhooks')).json.webhooks, []);
      } finally {
        await rx.close();
      }
    });

    test('webhooks: who may manage them, bad input refused without a change', async () => {
      const count = async () => (await s.ctx.db.kysely.selectFrom('webhooks').select('id').execute()).length;
      const before = await count();
      // An API token with the webhooks scope registers one for its agency; its secret can be chosen.
      const tok = await tokenClient(stc, ['webhooks']);
      const made = await tok.post('/api/v1/webhooks', { url: 'https://dms.stc.example.gov.vn/kyso', events: ['*'], secret: 'a-chosen-secret-of-32-characters' });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.json.secret, 'a-chosen-secret-of-32-characters');
      assert.equal(made.json.webhook.agencyId, stc);
      assert.match(made.json.webhook.createdBy, /^token:/);
      const stcHook = made.json.webhook.id as string;
      assert.equal((await tok.get('/api/v1/webhooks')).json.webhooks.length, 1);
      // Other roles and scopes: 403.
      assert.equal((await (await s.as('snv.officer')).post('/api/v1/webhooks', { url: 'https://x.example/h', events: ['*'] })).status, 403);
      assert.equal((await (await s.as('snv.leader')).get('/api/v1/webhooks')).status, 403);
      assert.equal((await (await tokenClient(stc, ['documents:read'])).post('/api/v1/webhooks', { url: 'https://x.example/h', events: ['*'] })).status, 403);
      // Another agency's webhook: not deleted (403), unknown id 404.
      const snvAdmin = await s.as('snv.admin');
      assert.equal((await snvAdmin.request('DELETE', `/api/v1/webhooks/${stcHook}`)).status, 403);
      assert.equal((await snvAdmin.request('DELETE', '/api/v1/webhooks/5b0f6f8e-3c1b-4d47-9a51-2f3f6f0e1c11')).status, 404);
      assert.ok(!(await snvAdmin.get('/api/v1/webhooks')).json.webhooks.some((w: { id: string }) => w.id === stcHook));
      assert.equal(await count(), before + 1);
      // Bad input: clear 400s, nothing stored.
      const bad: Array<[unknown, RegExp]> = [
        [{ url: 'ftp://dms.example/h', events: ['*'] }, /http:\/\/ or https:\/\//],
        [{ url: 'not a url', events: ['*'] }, /not a URL/],
        [{ url: 'https://user:pw@dms.example/h', events: ['*'] }, /user name or password/],
        [{ url: 'https://dms.example/h', events: [] }, /events/],
        [{ url: 'https://dms.example/h', events: ['Document Signed'] }, /not an event type/],
        [{ url: 'https://dms.example/h', events: ['*'], secret: 'short' }, /16 to 256/],
        [{ url: 'https://dms.example/h', events: ['*'], active: false }, /active/],
      ];
      for (const [body, message] of bad) {
        const r = await snvAdmin.post('/api/v1/webhooks', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.json.title, message);
      }
      assert.equal(await count(), before + 1);
      // Created and deleted webhooks are audited.
      assert.equal((await tok.request('DELETE', `/api/v1/webhooks/${stcHook}`)).status, 200);
      const actions = (await (await s.as('auditor')).get('/api/v1/audit?action=webhook.*&limit=1000')).json.entries.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
      assert.ok(actions.includes(`webhook.created ${stcHook}`) && actions.includes(`webhook.deleted ${stcHook}`));
    });

    // Last: it breaks the chain on purpose.
    test('the audit log is append-only; verify names an altered or a missing entry', async () => {
      const db = s.ctx.db.kysely;
      await assert.rejects(db.updateTable('audit_log').set({ target: 'forged' }).where('seq', '=', 3).execute(), /append-only/);
      await assert.rejects(db.deleteFrom('audit_log').where('seq', '=', 3).execute(), /append-only/);
      const auditor = await s.as('auditor');
      assert.equal((await auditor.get('/api/v1/audit/verify')).json.ok, true);
      // Behind the triggers' back, as someone with the database's owner rights could.
      if (dialect === 'sqlite') await sql`DROP TRIGGER audit_log_no_update`.execute(db);
      else await sql`ALTER TABLE audit_log DISABLE TRIGGER ALL`.execute(db);
      const original = await db.selectFrom('audit_log').selectAll().where('seq', '=', 3).executeTakeFirstOrThrow();
      await db.updateTable('audit_log').set({ target: 'forged' }).where('seq', '=', 3).execute();
      const altered = (await auditor.get('/api/v1/audit/verify')).json;
      assert.deepEqual({ ok: altered.ok, brokenAt: altered.brokenAt, reason: altered.reason, entries: altered.entries }, { ok: false, brokenAt: 3, reason: 'entry 3 was altered', entries: 2 });
      await db.updateTable('audit_log').set({ target: original.target }).where('seq', '=', 3).execute();
      assert.equal((await auditor.get('/api/v1/audit/verify')).json.ok, true);
      if (dialect === 'sqlite') await sql`DROP TRIGGER audit_log_no_delete`.execute(db);
      await db.deleteFrom('audit_log').where('seq', '=', 5).execute();
      const missing = (await auditor.get('/api/v1/audit/verify')).json;
      assert.deepEqual({ ok: missing.ok, brokenAt: missing.brokenAt, reason: missing.reason }, { ok: false, brokenAt: 5, reason: 'entry 5 is missing' });
    });
  });
}
