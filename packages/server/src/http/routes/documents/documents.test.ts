/**
 * Documents over HTTP (issue #6): upload → the leader signs → the clerk numbers and seals, the
 * result verified (two valid signatures, TOTAL_PASSED); Decree 30 numbering (per agency, series and
 * Vietnam year); who may do what (only the agency's own people, the leader signs, the clerk seals
 * what its leader signed); bad uploads refused with nothing stored; one passkey approval per batch,
 * or the key's PIN.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSimplePdf, sharedPath } from '@kyso/testkit';
import { DIALECTS } from '../../../services/test-ca.ts';
import { startTestServer, type ApiClient, type TestServer } from '../../../testing/test-server.ts';
import { SoftAuthenticator } from '../../../testing/soft-authenticator.ts';
import { issueCredential } from '../../../services/credentials.ts';
import { verifyAuditLog } from '../../../services/audit-log.ts';
import { verifyPdfDocument } from '../../../services/pdf-verification.ts';

const UPLOAD_LIMIT = 4096;
const PIN = '246810';

for (const dialect of DIALECTS) {
  describe(`documents: upload, sign, seal (${dialect})`, () => {
    let s: TestServer;
    const users: Record<string, ApiClient> = {};
    const passkeys: Record<string, SoftAuthenticator> = {};
    const db = () => s.ctx.db.kysely;
    const as = (u: string) => users[u]!;
    /** Logs these users in (again, after the clock jumped past their sessions' lifetime). */
    const login = async (...names: string[]) => {
      for (const [u, c] of await Promise.all(names.map(async (u) => [u, await s.as(u)] as const))) users[u] = c;
    };

    before(async () => {
      s = await startTestServer(dialect, { config: { maxUploadBytes: UPLOAD_LIMIT } });
      const a = s.seed.agencies, u = s.seed.users;
      for (const [agency, slug] of [['000.01.00.H99', 'snv'], ['000.02.00.H99', 'stc'], ['000.00.00.H99', 'tinh']] as const) {
        await issueCredential(s.ctx, { kind: 'official', agencyId: a[agency]!, userId: u[`${slug}.leader`]!.id, state: 'active' });
        await issueCredential(s.ctx, { kind: 'agency', agencyId: a[agency]!, state: 'active' });
      }
      // tinh's leader keeps a PIN on the signing key instead of a passkey.
      const tinhKey = await db().selectFrom('credentials').select('key_id').where('user_id', '=', u['tinh.leader']!.id).executeTakeFirstOrThrow();
      await s.ctx.keys.setPin(tinhKey.key_id, PIN);
      await login('snv.officer', 'snv.leader', 'snv.clerk', 'stc.officer', 'stc.leader', 'stc.clerk', 'tinh.officer', 'tinh.leader', 'sysadmin');
      for (const name of ['snv.leader', 'snv.clerk', 'stc.leader', 'stc.clerk']) {
        const auth = new SoftAuthenticator();
        const o = await as(name).post('/api/v1/auth/passkeys/register/options');
        const v = await as(name).post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: auth.register(o.json.options, s.base), name: 'Điện thoại' });
        assert.equal(v.status, 201, v.text);
        passkeys[name] = auth;
      }
    });
    after(async () => { await s?.close(); });

    const upload = (who: string, q: Record<string, string>, body: Uint8Array = makeSimplePdf({ text: q.title ?? 'van ban' }), type = 'application/pdf') =>
      as(who).request('POST', `/api/v1/documents?${new URLSearchParams(q)}`, { body, type });
    async function draft(who: string, title: string, series = 'QĐ'): Promise<string> {
      const r = await upload(who, { title, series });
      assert.equal(r.status, 201, r.text);
      return r.json.document.id;
    }
    async function approval(who: string, action: 'sign' | 'seal', ids: string[]) {
      const o = await as(who).post('/api/v1/approvals/options', { action, documentIds: ids });
      assert.equal(o.status, 200, o.text);
      return { challengeId: o.json.challengeId, response: passkeys[who]!.assert(o.json.options, s.base) };
    }
    const sign = async (who: string, ids: string[], extra: Record<string, unknown> = {}) =>
      as(who).post('/api/v1/documents/sign', { documentIds: ids, approval: await approval(who, 'sign', ids), ...extra });
    const seal = async (who: string, ids: string[]) => as(who).post('/api/v1/documents/seal', { documentIds: ids, approval: await approval(who, 'seal', ids) });
    /** Files in the document store (its tmp directory included: nothing may be left there either). */
    const blobFiles = () => readdirSync(join(s.config.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    async function counts() {
      const n = async (t: 'documents' | 'document_events' | 'audit_log' | 'jobs' | 'counters') => Number((await db().selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return { documents: await n('documents'), events: await n('document_events'), audit: await n('audit_log'), jobs: await n('jobs'), counters: await n('counters') };
    }

    test('upload → sign → seal: two valid signatures (TOTAL_PASSED), number and date in the seal, history and revisions kept', async () => {
      const original = makeSimplePdf({ text: 'Quyet dinh ve viec thu nghiem' });
      const up = await upload('snv.officer', { title: 'Quyết định về việc thử nghiệm', series: 'QĐ', filename: 'quyết-định.pdf' }, original);
      assert.equal(up.status, 201, up.text);
      const id: string = up.json.document.id;
      assert.equal(up.json.document.status, 'draft');
      assert.equal(up.json.document.revision, 1);
      assert.equal(up.json.document.agencyVersion, 1);
      assert.equal(up.json.document.createdBy, `user:${s.seed.users['snv.officer']!.id}`);

      const signed = await sign('snv.leader', [id], { placement: { anchor: 'Quyet dinh' } });
      assert.equal(signed.status, 200, signed.text);
      assert.deepEqual(signed.json.results.map((r: any) => [r.id, r.ok, r.status, r.revision]), [[id, true, 'signed', 2]]);

      const sealed = await seal('snv.clerk', [id]);
      assert.equal(sealed.status, 200, sealed.text);
      assert.deepEqual(sealed.json.results.map((r: any) => [r.ok, r.status, r.revision, r.numberText]), [[true, 'sealed', 3, '01/QĐ-SNV']]);

      const got = await as('snv.officer').get(`/api/v1/documents/${id}`);
      assert.equal(got.status, 200);
      const doc = got.json.document;
      assert.equal(doc.status, 'sealed');
      assert.equal(doc.signedBy, s.seed.users['snv.leader']!.id);
      assert.equal(doc.sealedBy, s.seed.users['snv.clerk']!.id);
      assert.equal(doc.number, 1);
      assert.match(doc.docDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.deepEqual(got.json.events.map((e: any) => [e.revision, e.action]), [[1, 'uploaded'], [2, 'signed'], [3, 'sealed']]);
      assert.equal(got.json.events[2].sha256, doc.sha256);

      const pdf = await as('snv.officer').get(`/api/v1/documents/${id}/pdf`);
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.match(pdf.headers.get('content-disposition') ?? '', /filename\*=UTF-8''quy%E1%BA%BFt-%C4%91/);
      const report = await as('snv.officer').request('POST', '/api/v1/verify', { body: pdf.bytes });
      assert.equal(report.status, 200, report.text);
      assert.equal(report.json.indication, 'TOTAL_PASSED', JSON.stringify(report.json.signatures.map((x: any) => x.reasons)));
      assert.equal(report.json.signatures.length, 2);
      const [leader, agency] = report.json.signatures;
      assert.equal(leader.signer.profile, 'official');
      assert.equal(agency.signer.profile, 'agency');
      assert.equal(agency.docNumber, '01/QĐ-SNV');
      assert.equal(agency.docDate, doc.docDate);
      assert.ok(leader.level === 'B-T' && agency.level === 'B-T', `${leader.level} ${agency.level}`);
      // The same through core's verifyPdf (the server's wrapper), and the Decree 30 completeness check.
      const direct = await verifyPdfDocument(pdf.bytes, { trustAnchors: [(await s.ctx.ca.caCertificate('root')).der], revocation: 'online', crypto: s.ctx.crypto, clock: s.clock });
      assert.equal(direct.indication, 'TOTAL_PASSED');
      assert.ok(direct.decree30.complete, direct.decree30.notes.join('; '));

      const r1 = await as('snv.leader').get(`/api/v1/documents/${id}/revisions/1/pdf`);
      assert.deepEqual(Buffer.from(r1.bytes), Buffer.from(original));
      const r2 = await as('snv.leader').get(`/api/v1/documents/${id}/revisions/2/pdf`);
      assert.equal(Buffer.compare(Buffer.from(r2.bytes), Buffer.from(pdf.bytes.subarray(0, r2.bytes.length))), 0, 'the seal is an incremental update of the signed revision');
      assert.equal((await as('snv.leader').get(`/api/v1/documents/${id}/revisions/4/pdf`)).status, 404);

      const audit = await db().selectFrom('audit_log').select(['action', 'actor']).where('target', '=', id).orderBy('seq').execute();
      assert.deepEqual(audit.map((a) => a.action), ['document.uploaded', 'document.signed', 'document.numbered', 'document.sealed']);
      const events = await db().selectFrom('jobs').select('payload').where('kind', '=', 'event').execute();
      const mine = events.map((j) => JSON.parse(j.payload)).filter((p) => p.data?.id === id).map((p) => p.type);
      assert.deepEqual(mine, ['document.uploaded', 'document.signed', 'document.sealed']);
      assert.ok((await verifyAuditLog(db())).ok);

      const list = await as('snv.clerk').get('/api/v1/documents?status=sealed&series=QĐ');
      assert.equal(list.status, 200);
      assert.ok(list.json.items.some((d: any) => d.id === id));
      assert.ok(list.json.items.every((d: any) => d.status === 'sealed' && d.agencyId === s.seed.agencies['000.01.00.H99']));
    });

    test('numbering: 01, 02, 03 per series; other series and agencies count apart; công văn has no type in its symbol; attachments carry the main number', async () => {
      const qd = [await draft('snv.officer', 'QĐ a'), await draft('snv.officer', 'QĐ b'), await draft('snv.officer', 'QĐ c')];
      const ttr = await draft('snv.officer', 'Tờ trình', 'TTr');
      const cv = await draft('snv.officer', 'Công văn', 'CV');
      const stc = await draft('stc.officer', 'QĐ của Sở Tài chính');
      const all = [...qd, ttr, cv];
      assert.equal((await sign('snv.leader', all)).json.succeeded, 5);
      assert.equal((await sign('stc.leader', [stc])).json.succeeded, 1);
      const att = await upload('snv.officer', { title: 'Phụ lục', kind: 'attachment', parentId: qd[2]! });
      assert.equal(att.status, 201, att.text);
      assert.equal(att.json.document.series, 'QĐ');
      const attId: string = att.json.document.id;
      // The attachment may ride in the same batch, after its main document.
      const sealed = await seal('snv.clerk', [...all, attId]);
      assert.equal(sealed.status, 200, sealed.text);
      // The happy-path test already took 01/QĐ-SNV.
      assert.deepEqual(sealed.json.results.map((r: any) => r.numberText), ['02/QĐ-SNV', '03/QĐ-SNV', '04/QĐ-SNV', '01/TTr-SNV', '01/SNV', null]);
      assert.equal(sealed.json.results[5].status, 'sealed');
      const stcSealed = await seal('stc.clerk', [stc]);
      assert.equal(stcSealed.json.results[0].numberText, '01/QĐ-STC');
      const attachmentPdf = await as('snv.clerk').get(`/api/v1/documents/${attId}/pdf`);
      const report = await verifyPdfDocument(attachmentPdf.bytes, { trustAnchors: [(await s.ctx.ca.caCertificate('root')).der], revocation: 'online', crypto: s.ctx.crypto, clock: s.clock });
      assert.equal(report.indication, 'TOTAL_PASSED');
      assert.equal(report.signatures.length, 1);
      assert.equal(report.signatures[0]!.signer?.profile, 'agency');
      assert.equal(report.signatures[0]!.docNumber, '04/QĐ-SNV');
      // Sealing again: refused per document, the number kept.
      const again = await seal('snv.clerk', [qd[0]!]);
      assert.equal(again.json.results[0].ok, false);
      assert.match(again.json.results[0].error.message, /already sealed as 02\/QĐ-SNV/);
    });

    test('the clerk cannot seal what its leader has not signed (409); nothing numbered or sealed', async () => {
      const unsigned = await draft('snv.officer', 'Chưa ký');
      const before = await counts();
      const r = await seal('snv.clerk', [unsigned]);
      assert.equal(r.status, 409, r.text);
      assert.match(r.json.title, /its leader has not signed it/);
      assert.deepEqual(await counts(), before);
      // An attachment whose main document is not sealed: refused as well.
      const att = await upload('snv.officer', { title: 'Phụ lục', kind: 'attachment', parentId: unsigned });
      const r2 = await seal('snv.clerk', [att.json.document.id]);
      assert.equal(r2.status, 409);
      assert.match(r2.json.title, /before its main document/);
      // A leader does not sign attachments: reported for that document, the others are signed.
      const other = await draft('snv.officer', 'Cùng lô');
      const mixed = await sign('snv.leader', [att.json.document.id, other]);
      assert.equal(mixed.status, 200);
      assert.deepEqual(mixed.json.results.map((x: any) => x.ok), [false, true]);
      assert.match(mixed.json.results[0].error.message, /attachment is not signed by the leader/);
    });

    test('only the agency\'s own people: another agency\'s document is 404 to sign, seal or read; officers do not sign; the sysadmin reads no document', async () => {
      const stcDoc = await draft('stc.officer', 'Của Sở Tài chính');
      const before = await counts();
      const crossSign = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: [stcDoc] });
      assert.equal(crossSign.status, 404);
      const mine = await draft('snv.officer', 'Của Sở Nội vụ');
      const afterDraft = await counts();
      // One foreign id rejects the whole batch before anything is signed.
      const mixed = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: [mine, stcDoc] });
      assert.equal(mixed.status, 404);
      assert.equal((await as('snv.clerk').post('/api/v1/documents/seal', { documentIds: [stcDoc] })).status, 404);
      assert.equal((await as('snv.officer').get(`/api/v1/documents/${stcDoc}`)).status, 404);
      assert.equal((await as('snv.officer').get(`/api/v1/documents/${stcDoc}/pdf`)).status, 404);
      assert.equal((await as('tinh.leader').get(`/api/v1/documents/${mine}/revisions/1/pdf`)).status, 404);
      assert.equal((await as('snv.officer').post('/api/v1/documents/sign', { documentIds: [mine] })).status, 403);
      assert.equal((await as('snv.clerk').post('/api/v1/documents/sign', { documentIds: [mine] })).status, 403);
      assert.equal((await as('snv.leader').post('/api/v1/documents/seal', { documentIds: [mine] })).status, 403);
      assert.equal((await as('sysadmin').get(`/api/v1/documents/${mine}`)).status, 403);
      assert.equal((await as('sysadmin').get('/api/v1/documents')).status, 403);
      assert.equal((await s.anonymous().get(`/api/v1/documents/${mine}`)).status, 401);
      assert.equal((await as('stc.officer').get('/api/v1/documents')).json.items.some((d: any) => d.id === mine), false);
      assert.equal((await counts()).documents, afterDraft.documents);
      assert.equal((await counts()).events, before.events + 1);
      assert.equal((await db().selectFrom('documents').select('status').where('id', '=', mine).executeTakeFirstOrThrow()).status, 'draft');
    });

    test('API tokens: documents:write uploads for its agency, documents:read reads it, another agency\'s token sees nothing', async () => {
      const admin = await s.as('snv.admin');
      const t = await admin.post('/api/v1/tokens', { name: 'Hệ thống một cửa', scopes: ['documents:write', 'documents:read'] });
      assert.equal(t.status, 201, t.text);
      const sys = s.anonymous();
      sys.bearer = t.json.token;
      const up = await sys.request('POST', '/api/v1/documents?title=T%E1%BB%AB%20h%E1%BB%87%20th%E1%BB%91ng&series=TB', { body: makeSimplePdf() });
      assert.equal(up.status, 201, up.text);
      assert.equal(up.json.document.createdBy, `token:${t.json.apiToken.id}`);
      assert.equal((await sys.get(`/api/v1/documents/${up.json.document.id}`)).status, 200);
      assert.equal((await sys.post('/api/v1/documents/sign', { documentIds: [up.json.document.id] })).status, 403);
      const other = await (await s.as('stc.admin')).post('/api/v1/tokens', { name: 'Đọc', scopes: ['documents:read'] });
      const stc = s.anonymous();
      stc.bearer = other.json.token;
      assert.equal((await stc.get(`/api/v1/documents/${up.json.document.id}`)).status, 404);
      assert.equal((await stc.request('POST', '/api/v1/documents?title=x&series=TB', { body: makeSimplePdf() })).status, 403);
    });

    test('bad uploads: not a PDF 400, corrupt 400, encrypted 400, wrong type 415, too big 413, bad series or query 400 — nothing stored', async () => {
      const before = await counts();
      const blobsBefore = blobFiles();
      const notPdf = await upload('snv.officer', { title: 't', series: 'QĐ' }, new TextEncoder().encode('hello, this is not a PDF'));
      assert.equal(notPdf.status, 400);
      assert.match(notPdf.json.title, /cannot be signed/);
      const good = makeSimplePdf();
      const corrupt = await upload('snv.officer', { title: 't', series: 'QĐ' }, good.subarray(0, good.length - 60));
      assert.equal(corrupt.status, 400, corrupt.text);
      const encrypted = readFileSync(sharedPath('corpus', 'pdf', 'inputs', 'pyhanko__minimal-aes256.pdf'));
      const enc = await upload('snv.officer', { title: 't', series: 'QĐ' }, encrypted);
      assert.equal(enc.status, 400, enc.text);
      assert.match(enc.json.title, /encrypted/);
      const wrongType = await upload('snv.officer', { title: 't', series: 'QĐ' }, good, 'text/plain');
      assert.equal(wrongType.status, 415);
      const jsonBody = await as('snv.officer').request('POST', '/api/v1/documents?title=t&series=QĐ', { json: { pdf: 'no' } });
      assert.equal(jsonBody.status, 415);
      const big = makeSimplePdf({ imageBytesPerPage: UPLOAD_LIMIT * 2 });
      const tooBig = await upload('snv.officer', { title: 't', series: 'QĐ' }, big);
      assert.equal(tooBig.status, 413);
      assert.equal((await upload('snv.officer', { title: 't', series: 'qd' }, good)).status, 400);
      assert.equal((await upload('snv.officer', { title: 't' }, good)).status, 400);
      assert.equal((await upload('snv.officer', { series: 'QĐ' }, good)).status, 400);
      assert.equal((await upload('snv.officer', { title: 't', series: 'QĐ', parentId: '6f1f5a0e-0000-4000-8000-000000000000' }, good)).status, 400);
      assert.equal((await upload('snv.officer', { title: 't', kind: 'attachment', parentId: '6f1f5a0e-0000-4000-8000-000000000000' }, good)).status, 404);
      assert.equal((await upload('sysadmin', { title: 't', series: 'QĐ' }, good)).status, 403);
      assert.deepEqual(await counts(), before);
      assert.equal(blobFiles(), blobsBefore);
    });

    test('a PIN-protected key signs with its PIN; a wrong PIN is 401 with nothing changed; a key without a PIN needs the passkey', async () => {
      const id = await draft('tinh.officer', 'Văn bản của tỉnh');
      const before = await counts();
      const wrong = await as('tinh.leader').post('/api/v1/documents/sign', { documentIds: [id], pin: '000000' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.json.title, /wrong PIN/);
      const none = await as('tinh.leader').post('/api/v1/documents/sign', { documentIds: [id] });
      assert.equal(none.status, 401);
      assert.match(none.json.title, /needs its PIN/);
      assert.deepEqual(await counts(), before);
      const doc = await db().selectFrom('documents').select(['status', 'revision']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([doc.status, Number(doc.revision)], ['draft', 1]);
      const ok = await as('tinh.leader').post('/api/v1/documents/sign', { documentIds: [id], pin: PIN });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.results[0].ok, true);
      // snv.leader's key has no PIN: a PIN alone does not unlock it.
      const snv = await draft('snv.officer', 'Không có PIN');
      const before2 = await counts();
      const pinOnly = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: [snv], pin: PIN });
      assert.equal(pinOnly.status, 401);
      assert.match(pinOnly.json.title, /passkey/);
      assert.deepEqual(await counts(), before2);
    });

    test('a batch of 5 under one approval; the approval is spent, and bound to exactly those documents', async () => {
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) ids.push(await draft('snv.officer', `Lô ${i}`, 'TB'));
      const a = await approval('snv.leader', 'sign', ids);
      // Bound to the five: not usable for four of them.
      const before = await counts();
      const fewer = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: ids.slice(0, 4), approval: a });
      assert.equal(fewer.status, 401);
      assert.match(fewer.json.title, /other documents/);
      assert.deepEqual(await counts(), before);
      const r = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: ids, approval: await approval('snv.leader', 'sign', ids) });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.succeeded, 5);
      assert.deepEqual(r.json.results.map((x: any) => x.id), ids);
      const approvals = await db().selectFrom('audit_log').select('details').where('action', '=', 'auth.approval').execute();
      assert.ok(approvals.some((x) => JSON.stringify(JSON.parse(x.details).documentIds) === JSON.stringify([...ids].sort())));
      // Replayed: refused, nothing more signed.
      const replay = await as('snv.leader').post('/api/v1/documents/sign', { documentIds: ids, approval: a });
      assert.equal(replay.status, 401);
      // The clerk's approval for sealing them, one for all five.
      const sealed = await seal('snv.clerk', ids);
      assert.equal(sealed.json.succeeded, 5, sealed.text);
      assert.deepEqual(sealed.json.results.map((x: any) => x.numberText), ['01', '02', '03', '04', '05'].map((n) => `${n}/TB-SNV`));
    });

    test('a new year (Vietnam time) starts the series at 01 again', async () => {
      const id = await draft('snv.officer', 'QĐ đầu năm');
      assert.equal((await sign('snv.leader', [id])).json.succeeded, 1);
      const year = Number(new Date(s.clock.now().getTime() + 7 * 3600_000).toISOString().slice(0, 4));
      // 00:10 on 1 January in Hà Nội is still 31 December in UTC.
      s.clock.set(`${year}-12-31T17:10:00.000Z`);
      await s.ctx.pki.refresh();
      await login('snv.officer', 'snv.leader', 'snv.clerk');
      const r = await seal('snv.clerk', [id]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.results[0].numberText, '01/QĐ-SNV', r.text);
      const row = await db().selectFrom('documents').select(['number_year', 'doc_date']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(Number(row.number_year), year + 1);
      assert.equal(row.doc_date, `${year + 1}-01-01`);
    });
  });
}
