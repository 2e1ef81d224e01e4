import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addYears, getAuthorityInfoAccess, isKysoError, parseCertificate } from '@kyso/core';
import { DIALECTS } from '../../../services/test-ca.ts';
import { startTestServer, type ApiClient, type TestServer } from '../../../testing/test-server.ts';
import { nodeCrypto } from '../../../crypto/node-crypto.ts';
import { queryOcsp } from '../../../net/ocsp-client.ts';
import { openCredential } from '../../../services/credentials.ts';
import { scheduleDailyJobs } from '../../../services/job-handlers.ts';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`certificate lifecycle as a registration authority (${dialect})`, () => {
    let s: TestServer;
    let sys: ApiClient;
    let officialSerial: string;
    before(async () => {
      s = await startTestServer(dialect);
      sys = await s.as('sysadmin');
    });
    after(async () => { await s?.close(); });

    const userId = (username: string) => s.seed.users[username]!.id;
    const agencyId = (code: string) => s.seed.agencies[code]!;
    const SNV = '000.01.00.H99';

    /** Everything a refused request must leave untouched. */
    async function snapshot() {
      const db = s.ctx.db.kysely;
      const count = async (t: 'cert_requests' | 'credentials' | 'certificates' | 'keys' | 'audit_log' | 'jobs' | 'settings') =>
        Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return {
        requests: await db.selectFrom('cert_requests').select(['id', 'status', 'decided_by', 'decision_reason']).orderBy('id').execute(),
        credentials: await db.selectFrom('credentials').select(['serial', 'state', 'needs_pin']).orderBy('serial').execute(),
        certificates: await db.selectFrom('certificates').select(['serial', 'status']).orderBy('serial').execute(),
        keys: await db.selectFrom('keys').select(['id', 'encrypted_pem']).orderBy('id').execute(),
        audit: await count('audit_log'), jobs: await count('jobs'), settings: await count('settings'),
      };
    }

    async function ocspStatus(serial: string) {
      const { der } = await s.ctx.db.kysely.selectFrom('certificates').select('der').where('serial', '=', serial).executeTakeFirstOrThrow();
      const certificate = parseCertificate(new Uint8Array(der));
      const url = getAuthorityInfoAccess(certificate).ocsp[0]!;
      assert.ok(url.startsWith(s.base), `the certificate's OCSP URL ${url} is this server`);
      return (await queryOcsp({ url, issuer: await s.ctx.ca.caCertificate('issuing'), certificate, crypto: nodeCrypto, clock: s.clock, timeoutMs: 5000 })).status;
    }

    async function auditActions(target: string): Promise<string[]> {
      return (await s.ctx.db.kysely.selectFrom('audit_log').select('action').where('target', '=', target).orderBy('seq').execute()).map((r) => r.action);
    }

    /** Request as `admin`, approve as the system administrator; returns the completed request. */
    async function approved(admin: ApiClient, body: Record<string, unknown>) {
      const req = await admin.post('/api/v1/certificate-requests', body);
      assert.equal(req.status, 201, req.text);
      assert.equal(req.json.request.status, 'pending');
      const ok = await sys.post(`/api/v1/certificate-requests/${req.json.request.id}/approve`);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.request.status, 'completed');
      return ok.json.request;
    }

    test('official: request → approve → activate with a PIN → active and good; the key opens only with the PIN', async () => {
      const admin = await s.as('snv.admin');
      const req = await admin.post('/api/v1/certificate-requests', { action: 'issue', kind: 'official', userId: userId('snv.leader') });
      assert.equal(req.status, 201, req.text);
      const id = req.json.request.id;
      assert.deepEqual({ ...req.json.request, id: undefined, requestedAt: undefined }, {
        id: undefined, requestedAt: undefined, action: 'issue', kind: 'official', agencyId: agencyId(SNV), userId: userId('snv.leader'), serial: null,
        keyType: 'p256', days: null, reason: null, status: 'pending', requestedBy: `user:${userId('snv.admin')}`, decidedBy: null, decidedAt: null,
        decisionReason: null, resultSerial: null, error: null,
      });
      // Listing: the agency's administrator and the system administrator see it; another agency does not.
      assert.ok((await admin.get('/api/v1/certificate-requests?status=pending')).json.requests.some((r: { id: string }) => r.id === id));
      assert.ok((await sys.get('/api/v1/certificate-requests')).json.requests.some((r: { id: string }) => r.id === id));
      const stcAdmin = await s.as('stc.admin');
      assert.equal((await stcAdmin.get('/api/v1/certificate-requests')).json.requests.length, 0);
      assert.equal((await stcAdmin.get(`/api/v1/certificate-requests/${id}`)).status, 403);

      const ok = await sys.post(`/api/v1/certificate-requests/${id}/approve`);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.request.status, 'completed');
      assert.equal(ok.json.request.decidedBy, `user:${userId('sysadmin')}`);
      const serial: string = ok.json.request.resultSerial;
      assert.match(serial, /^[0-9a-f]+$/);
      officialSerial = serial;
      assert.equal((await sys.post(`/api/v1/certificate-requests/${id}/approve`)).status, 409, 'approved once');

      const leader = await s.as('snv.leader');
      const mine = (await leader.get('/api/v1/credentials')).json.credentials;
      assert.deepEqual(mine.map((c: { serial: string; state: string }) => [c.serial, c.state]), [[serial, 'issued']]);
      assert.match(mine[0].certificate.subject, /CN=Lãnh đạo/);
      // Only the official activates a personal credential; a PIN is 6–12 digits.
      const [clerk, stcLeader] = [await s.as('snv.clerk'), await s.as('stc.leader')];
      const before = await snapshot();
      assert.equal((await clerk.post(`/api/v1/credentials/${serial}/activate`, {})).status, 403);
      assert.equal((await stcLeader.post(`/api/v1/credentials/${serial}/activate`, {})).status, 403);
      const badPin = await leader.post(`/api/v1/credentials/${serial}/activate`, { pin: '12ab' });
      assert.equal(badPin.status, 400);
      assert.match(badPin.json.title, /6 to 12 digits/);
      assert.deepEqual(await snapshot(), before, 'refused activations change nothing');

      const act = await leader.post(`/api/v1/credentials/${serial}/activate`, { pin: '246813' });
      assert.equal(act.status, 200, act.text);
      assert.equal(act.json.credential.state, 'active');
      assert.equal(act.json.credential.needsPin, true);
      assert.equal(act.json.credential.certificate.status, 'good');
      assert.equal((await leader.post(`/api/v1/credentials/${serial}/activate`, {})).status, 409);

      const cert = await leader.get(`/api/v1/certificates/${serial}`);
      assert.equal(cert.status, 200);
      assert.equal(cert.json.certificate.status, 'good');
      assert.equal(cert.json.certificate.profile, 'official');
      assert.match(cert.json.certificate.subject, /Lãnh đạo/);
      const pem = await leader.get(`/api/v1/certificates/${serial}?format=pem`);
      assert.equal(pem.headers.get('content-type'), 'application/x-pem-file');
      assert.match(pem.text, /^-----BEGIN CERTIFICATE-----\n/);
      assert.equal((await stcAdmin.get(`/api/v1/certificates/${serial}`)).status, 403);
      assert.equal(await ocspStatus(serial).then((st) => st.kind), 'good');

      // The key: refused without the PIN and with a wrong one, opened with the right one.
      const { key_id: keyId, needs_pin: needsPin } = await s.ctx.db.kysely.selectFrom('credentials').select(['key_id', 'needs_pin']).where('serial', '=', serial).executeTakeFirstOrThrow();
      assert.equal(Number(needsPin), 1);
      assert.equal(await s.ctx.keys.needsPin(keyId), true);
      await assert.rejects(s.ctx.keys.signer(keyId), (e) => isKysoError(e, 'auth') && /needs its PIN/.test(e.message));
      await assert.rejects(s.ctx.keys.signer(keyId, { pin: '135792' }), (e) => isKysoError(e, 'auth') && /wrong PIN/.test(e.message));
      const signer = await s.ctx.keys.signer(keyId, { pin: '246813' });
      const { der } = await s.ctx.db.kysely.selectFrom('certificates').select('der').where('serial', '=', serial).executeTakeFirstOrThrow();
      const parsed = parseCertificate(new Uint8Array(der));
      assert.deepEqual(Buffer.from(signer.publicKey), Buffer.from(parsed.spki));
      const usable = await openCredential(s.ctx, { kind: 'official', agencyId: agencyId(SNV), userId: userId('snv.leader'), pin: '246813' });
      assert.equal(usable.row.serial, serial);
      await assert.rejects(openCredential(s.ctx, { kind: 'official', agencyId: agencyId(SNV), userId: userId('snv.leader') }), (e) => isKysoError(e, 'auth'));

      assert.deepEqual(await auditActions(id), ['certificate.requested', 'certificate.approved']);
      assert.deepEqual(await auditActions(serial), ['certificate.issued', 'certificate.activated']);
    });

    test('refusals: roles, agencies, Decree 68 limits, reasons, duplicates, self-approval — each leaves no state change', async () => {
      const admin = await s.as('snv.admin');
      const officer = await s.as('snv.officer');
      const leader = await s.as('snv.leader');
      const [stcAdmin, huyenAdmin] = [await s.as('stc.admin'), await s.as('huyen.admin')];
      const before = await snapshot();
      const refused = async (c: ApiClient, body: unknown, status: number, title?: RegExp) => {
        const r = await c.post('/api/v1/certificate-requests', body);
        assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
        if (title) assert.match(r.json.title, title);
      };
      await refused(officer, { action: 'issue', kind: 'agency' }, 403);
      await refused(leader, { action: 'issue', kind: 'agency' }, 403);
      await refused(admin, { action: 'issue', kind: 'official', userId: userId('stc.leader') }, 403, /another agency/);
      await refused(admin, { action: 'issue', kind: 'agency', agencyId: agencyId('000.02.00.H99') }, 403, /another agency/);
      await refused(admin, { action: 'issue', kind: 'official', userId: userId('snv.leader'), days: 6 * 365 }, 400, /Decree 68.*5 years/);
      await refused(admin, { action: 'issue', kind: 'official', userId: userId('snv.officer') }, 400, /not a leader/);
      await refused(admin, { action: 'issue', kind: 'official' }, 400, /userId/);
      await refused(admin, { action: 'issue', kind: 'agency', userId: userId('snv.leader') }, 400, /no userId/);
      await refused(admin, { action: 'issue', kind: 'agency', keyType: 'rsa1024' }, 400);
      await refused(admin, { action: 'issue', kind: 'agency', serial: officialSerial }, 400, /no meaning/);
      await refused(admin, { action: 'issue', kind: 'agency', admin: true }, 400);
      await refused(admin, { action: 'revoke', kind: 'official', serial: officialSerial }, 400, /ground.*keyCompromise/);
      await refused(admin, { action: 'revoke', kind: 'official', serial: officialSerial, reason: 'because' }, 400, /not "because"/);
      await refused(admin, { action: 'revoke', kind: 'agency', serial: officialSerial, reason: 'keyCompromise' }, 400, /official/);
      await refused(admin, { action: 'renew', kind: 'official', serial: officialSerial, days: 4 * 365 }, 400, /Decree 68.*3 years/);
      await refused(admin, { action: 'resume', kind: 'official', serial: officialSerial }, 409, /is good/);
      await refused(admin, { action: 'suspend', kind: 'official', serial: 'abcdef' }, 404);
      await refused(stcAdmin, { action: 'suspend', kind: 'official', serial: officialSerial }, 403, /another agency/);
      assert.deepEqual(await snapshot(), before, 'refused requests change nothing');

      // Duplicates, self-approval, rejection without a proper reason.
      const own = await sys.post('/api/v1/certificate-requests', { action: 'issue', kind: 'agency', agencyId: agencyId('000.00.11.H99') });
      assert.equal(own.status, 201, own.text);
      const ownId = own.json.request.id;
      const pending = await snapshot();
      await refused(huyenAdmin, { action: 'issue', kind: 'agency' }, 409, /still pending/);
      const self = await sys.post(`/api/v1/certificate-requests/${ownId}/approve`);
      assert.equal(self.status, 403);
      assert.match(self.json.title, /another administrator/);
      assert.equal((await admin.post(`/api/v1/certificate-requests/${ownId}/approve`)).status, 403, 'agency administrators do not approve');
      assert.equal((await sys.post(`/api/v1/certificate-requests/${ownId}/reject`, {})).status, 400);
      assert.equal((await sys.post(`/api/v1/certificate-requests/${ownId}/reject`, { reason: ' x ' })).status, 400);
      assert.equal((await sys.post('/api/v1/certificate-requests/00000000-0000-4000-8000-000000000000/reject', { reason: 'not needed' })).status, 404);
      assert.deepEqual(await snapshot(), pending, 'refused decisions change nothing');

      const rejected = await sys.post(`/api/v1/certificate-requests/${ownId}/reject`, { reason: 'the district already has a seal request in paper' });
      assert.equal(rejected.status, 200);
      assert.equal(rejected.json.request.status, 'rejected');
      assert.equal(rejected.json.request.decisionReason, 'the district already has a seal request in paper');
      assert.equal((await sys.post(`/api/v1/certificate-requests/${ownId}/approve`)).status, 409);
      assert.deepEqual(await auditActions(ownId), ['certificate.requested', 'certificate.rejected']);
      const events = await s.ctx.db.kysely.selectFrom('jobs').select('payload').where('kind', '=', 'event').execute();
      assert.ok(events.some((e) => JSON.parse(e.payload).type === 'certificate.rejected'));
    });

    test('agency seal: a clerk activates it; renewal keeps the key and extends at most 3 years', async () => {
      const admin = await s.as('snv.admin');
      const issued = await approved(admin, { action: 'issue', kind: 'agency', keyType: 'p384', days: 365 });
      const serial: string = issued.resultSerial;
      assert.equal((await (await s.as('snv.officer')).post(`/api/v1/credentials/${serial}/activate`)).status, 403);
      assert.equal((await (await s.as('stc.clerk')).post(`/api/v1/credentials/${serial}/activate`)).status, 403);
      const clerk = await s.as('snv.clerk');
      const act = await clerk.post(`/api/v1/credentials/${serial}/activate`);
      assert.equal(act.status, 200, act.text);
      assert.equal(act.json.credential.needsPin, false);
      assert.equal(act.json.credential.certificate.keySpec, 'p384');
      // The clerk sees the seal but not the leader's personal credential; the administrator sees both.
      assert.deepEqual((await clerk.get('/api/v1/credentials')).json.credentials.map((c: { serial: string }) => c.serial), [serial]);
      assert.equal((await admin.get('/api/v1/credentials')).json.credentials.length, 2);
      assert.equal((await sys.get(`/api/v1/credentials?agencyId=${agencyId('000.02.00.H99')}`)).json.credentials.length, 0);

      const old = (await admin.get(`/api/v1/certificates/${serial}`)).json.certificate;
      const renewed = await approved(admin, { action: 'renew', kind: 'agency', serial });
      const newSerial: string = renewed.resultSerial;
      assert.notEqual(newSerial, serial);
      const cert = (await admin.get(`/api/v1/certificates/${newSerial}`)).json.certificate;
      assert.equal(cert.replaces, serial);
      assert.ok(Date.parse(cert.notAfter) > Date.parse(old.notAfter), 'extended');
      assert.ok(Date.parse(cert.notAfter) <= addYears(new Date(old.notAfter), 3).getTime(), 'by at most 3 years (Decree 68)');
      const creds = await s.ctx.db.kysely.selectFrom('credentials').select(['serial', 'state', 'key_id']).where('serial', 'in', [serial, newSerial]).execute();
      const byS = new Map(creds.map((c) => [c.serial, c]));
      assert.equal(byS.get(serial)!.state, 'superseded');
      assert.equal(byS.get(newSerial)!.state, 'active', 'the holder already holds the key');
      assert.equal(byS.get(newSerial)!.key_id, byS.get(serial)!.key_id, 'same key');
      assert.equal((await openCredential(s.ctx, { kind: 'agency', agencyId: agencyId(SNV) })).row.serial, newSerial);
      assert.deepEqual(await auditActions(newSerial), ['certificate.renewed']);
      const again = await admin.post('/api/v1/certificate-requests', { action: 'renew', kind: 'agency', serial });
      assert.equal(again.status, 409);
      assert.match(again.json.title, /already renewed/);
    });

    test('suspend → resume → revoke: the CA, OCSP over HTTP and the API agree at once', async () => {
      const admin = await s.as('huyen.admin');
      const serial: string = (await approved(admin, { action: 'issue', kind: 'official', userId: userId('huyen.leader') })).resultSerial;
      assert.equal((await (await s.as('huyen.leader')).post(`/api/v1/credentials/${serial}/activate`)).status, 200);

      await approved(admin, { action: 'suspend', kind: 'official', serial, reason: 'device lost, looking for it' });
      assert.equal((await s.ctx.ca.get(serial)).status, 'suspended');
      const held = await ocspStatus(serial);
      assert.equal(held.kind, 'revoked');
      assert.equal(held.kind === 'revoked' ? held.reason : undefined, 6, 'certificateHold');
      await assert.rejects(openCredential(s.ctx, { kind: 'official', agencyId: agencyId('000.00.11.H99'), userId: userId('huyen.leader') }), /suspended/);

      await approved(admin, { action: 'resume', kind: 'official', serial });
      assert.equal((await s.ctx.ca.get(serial)).status, 'good');
      assert.equal((await ocspStatus(serial)).kind, 'good');

      const revoked = await approved(admin, { action: 'revoke', kind: 'official', serial, reason: 'keyCompromise' });
      assert.equal(revoked.resultSerial, serial);
      const record = await s.ctx.ca.get(serial);
      assert.equal(record.status, 'revoked');
      assert.equal(record.revocationReason, 'keyCompromise');
      const st = await ocspStatus(serial);
      assert.equal(st.kind, 'revoked');
      assert.equal(st.kind === 'revoked' ? st.reason : undefined, 1, 'keyCompromise');
      assert.equal((await admin.get(`/api/v1/certificates/${serial}`)).json.certificate.status, 'revoked');
      assert.deepEqual((await auditActions(serial)).slice(-4), ['certificate.activated', 'certificate.suspended', 'certificate.resumed', 'certificate.revoked']);
      const r = await admin.post('/api/v1/certificate-requests', { action: 'suspend', kind: 'official', serial });
      assert.equal(r.status, 409);
      assert.match(r.json.title, /revoked/);
    });

    test('a request the CA refuses at approval ends failed, with the error as the answer', async () => {
      const admin = await s.as('xa.admin');
      const req = await admin.post('/api/v1/certificate-requests', { action: 'issue', kind: 'official', userId: userId('xa.leader') });
      assert.equal(req.status, 201);
      // Between request and approval the official is disabled.
      await s.ctx.db.kysely.updateTable('users').set({ status: 'disabled' }).where('id', '=', userId('xa.leader')).execute();
      const before = await s.ctx.db.kysely.selectFrom('credentials').select('serial').execute();
      const res = await sys.post(`/api/v1/certificate-requests/${req.json.request.id}/approve`);
      assert.equal(res.status, 409);
      assert.match(res.json.title, /disabled/);
      const after = (await sys.get(`/api/v1/certificate-requests/${req.json.request.id}`)).json.request;
      assert.equal(after.status, 'failed');
      assert.match(after.error, /disabled/);
      assert.deepEqual(await s.ctx.db.kysely.selectFrom('credentials').select('serial').execute(), before);
      assert.deepEqual(await auditActions(req.json.request.id), ['certificate.requested', 'certificate.approved', 'certificate.request-failed']);
      await s.ctx.db.kysely.updateTable('users').set({ status: 'active' }).where('id', '=', userId('xa.leader')).execute();
    });

    test('expiry reminders: a daily job, once per certificate and threshold', async () => {
      const db = s.ctx.db.kysely;
      const issuedAt = new Date((await db.selectFrom('certificates').select('not_before').where('serial', '=', officialSerial).executeTakeFirstOrThrow()).not_before);
      const reminders = async () => db.selectFrom('audit_log').select(['target', 'details']).where('action', '=', 'certificate.expiring').orderBy('seq').execute();
      const expiringEvents = async () => (await db.selectFrom('jobs').select('payload').where('kind', '=', 'event').execute())
        .map((j) => JSON.parse(j.payload)).filter((p) => p.type === 'certificate.expiring');
      // runDue takes one batch of due jobs (the events of the earlier tests are due too): run until none is left.
      const drain = async () => { while (await s.ctx.jobs.runDue() > 0) { /* next batch */ } };

      s.clock.set(new Date(addYears(issuedAt, 3).getTime() - 20 * DAY).toISOString());
      await scheduleDailyJobs(s.ctx);
      await drain();
      let sent = await reminders();
      // Only the active official credential ends within 30 days (the seal was renewed, the district's revoked).
      assert.deepEqual(sent.map((r) => [r.target, JSON.parse(r.details).thresholdDays]), [[officialSerial, 30]]);
      assert.deepEqual((await expiringEvents()).map((e) => [e.agencyId, e.data.serial]), [[agencyId(SNV), officialSerial]]);
      const today = s.clock.now().toISOString().slice(0, 10);
      const tomorrow = new Date(s.clock.now().getTime() + DAY).toISOString().slice(0, 10);
      const daily = await db.selectFrom('jobs').select(['dedupe_key', 'status']).where('kind', '=', 'certificates.expiry-reminders').orderBy('run_at').execute();
      assert.deepEqual(daily, [{ dedupe_key: `expiry-reminders:${today}`, status: 'done' }, { dedupe_key: `expiry-reminders:${tomorrow}`, status: 'queued' }]);

      // Again today (another instance starting), and tomorrow: nothing new for the same threshold.
      await scheduleDailyJobs(s.ctx);
      await drain();
      s.clock.advanceDays(1);
      await drain();
      sent = await reminders();
      assert.equal(sent.length, 1);
      assert.equal((await expiringEvents()).length, 1);

      // Two weeks on, the 7-day threshold: one more.
      s.clock.advanceDays(14);
      await drain();
      sent = await reminders();
      assert.deepEqual(sent.map((r) => JSON.parse(r.details).thresholdDays), [30, 7]);
      assert.equal((await expiringEvents()).length, 2);
    });
  });
}
