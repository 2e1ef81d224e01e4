import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSealPng, makeSignaturePng } from '@kyso/core/pdf/sample-images.ts';
import { decodePng } from '@kyso/core/pdf/png.ts';
import { DIALECTS } from '../../../services/test-ca.ts';
import { ApiClient, startTestServer, type TestServer } from '../../../testing/test-server.ts';
import { agencyVersionAt, currentSeal } from '../../../services/directory-service.ts';
import { verifyAuditLog } from '../../../services/audit-log.ts';
import { createApiToken } from '../../../auth/sessions.ts';

const DAY = 86_400_000;
const NOT_PNG = new TextEncoder().encode('GIF89a this is not a PNG image at all');

for (const dialect of DIALECTS) {
  describe(`directory: agencies, people, seals (${dialect})`, () => {
    let s: TestServer;
    let sys: ApiClient;
    let t0: number;
    const iso = (ms: number) => new Date(ms).toISOString();

    /** Everything a refused request must leave untouched. */
    async function state(): Promise<string> {
      const db = s.ctx.db.kysely;
      const [agencies, versions, users, seals, audit, tokens] = await Promise.all([
        db.selectFrom('agencies').selectAll().orderBy('id').execute(),
        db.selectFrom('agency_versions').selectAll().orderBy('agency_id').orderBy('version').execute(),
        db.selectFrom('users').selectAll().orderBy('id').execute(),
        db.selectFrom('seals').selectAll().orderBy('id').execute(),
        db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
        db.selectFrom('api_tokens').select(['id', 'revoked_at']).orderBy('id').execute(),
      ]);
      return JSON.stringify({ agencies, versions, users, seals, audit: Number(audit.n), tokens }, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    }

    /** Sends the request, expects `status` and a problem+json whose title matches, and no change. */
    async function refused(c: ApiClient, method: string, path: string, opts: { json?: unknown; body?: Uint8Array; type?: string }, status: number, title?: RegExp): Promise<void> {
      const before = await state();
      const r = await c.request(method, path, opts);
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      if (title) assert.match(r.json.title, title);
      assert.equal(await state(), before, `${method} ${path} changed state although refused`);
    }

    async function lastAudit(action: string): Promise<{ actor: string; target: string | null; details: Record<string, unknown> }> {
      const r = await s.ctx.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      assert.ok(r, `no ${action} audit entry`);
      return { actor: r.actor, target: r.target, details: JSON.parse(r.details) };
    }

    before(async () => {
      s = await startTestServer(dialect);
      // The demo province was created 100 days before "now", so changes can be dated in between.
      t0 = s.clock.now().getTime() + 100 * DAY;
      s.clock.set(iso(t0));
      sys = await s.as('sysadmin');
    });
    after(async () => { await s?.close(); });

    test('tree, create, rename: versions kept, agencyVersionAt before and after', async () => {
      const tree = await sys.get('/api/v1/agencies');
      assert.equal(tree.status, 200);
      assert.equal(tree.json.agencies.length, 1);
      const root = tree.json.agencies[0];
      assert.equal(root.code, '000.00.00.H99');
      assert.deepEqual(root.children.map((c: { code: string }) => c.code).sort(), ['000.00.11.H99', '000.01.00.H99', '000.02.00.H99']);
      const district = root.children.find((c: { code: string }) => c.code === '000.00.11.H99');
      assert.equal(district.children[0].code, '000.11.01.H99');
      // Any logged-in user reads the tree, and any API token.
      assert.equal((await (await s.as('xa.officer')).get('/api/v1/agencies')).status, 200);
      const { token } = await createApiToken(s.ctx.db.kysely, { agencyId: s.seed.agencies['000.02.00.H99']!, name: 'e-office', scopes: ['verify'], createdBy: 'test', now: s.clock.now() });
      const bearer = s.anonymous();
      bearer.bearer = token;
      assert.equal((await bearer.get('/api/v1/agencies')).json.agencies[0].code, '000.00.00.H99');
      assert.equal((await bearer.get('/api/v1/users')).status, 403);

      const created = await sys.post('/api/v1/agencies', {
        code: '000.03.00.H99', name: 'Sở Tư pháp tỉnh Demo', shortName: 'STP', level: 'department',
        parentId: s.seed.agencies['000.00.00.H99'], effectiveFrom: iso(t0 - 30 * DAY),
      });
      assert.equal(created.status, 201, created.text);
      const id = created.json.id as string;
      assert.equal(created.json.current.name, 'Sở Tư pháp tỉnh Demo');
      assert.equal(created.json.current.parentName, 'Ủy ban nhân dân tỉnh Demo');
      assert.equal((await lastAudit('agency.created')).target, '000.03.00.H99');

      const renamed = await sys.post(`/api/v1/agencies/${id}/rename`, { name: 'Sở Tư pháp và Hộ tịch tỉnh Demo', effectiveFrom: iso(t0 - 10 * DAY) });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.json.versions.length, 2);
      assert.deepEqual(renamed.json.versions.map((v: { change: string }) => v.change), ['created', 'renamed']);
      assert.equal(renamed.json.versions[0].effectiveTo, iso(t0 - 10 * DAY));
      assert.equal(renamed.json.current.shortName, 'STP');
      const audit = await lastAudit('agency.renamed');
      assert.equal(audit.details.from, 'Sở Tư pháp tỉnh Demo');
      assert.equal(audit.actor, `user:${s.seed.users.sysadmin!.id}`);

      // The name in force at each date.
      assert.deepEqual(await agencyVersionAt(s.ctx, id, new Date(t0 - 20 * DAY)), { version: 1, name: 'Sở Tư pháp tỉnh Demo', shortName: 'STP', code: '000.03.00.H99' });
      assert.equal((await agencyVersionAt(s.ctx, id, new Date(t0 - 10 * DAY))).version, 2);
      assert.equal((await agencyVersionAt(s.ctx, id, new Date(t0))).name, 'Sở Tư pháp và Hộ tịch tỉnh Demo');
      await assert.rejects(agencyVersionAt(s.ctx, id, new Date(t0 - 31 * DAY)), (e: Error & { kind?: string }) => e.kind === 'not-found' && /no name in force/.test(e.message));
      await assert.rejects(agencyVersionAt(s.ctx, 'no-such-agency', new Date(t0)), (e: Error & { kind?: string }) => e.kind === 'not-found');

      // The tree at a date before the rename shows the old name; before the creation, not at all.
      const past = await sys.get(`/api/v1/agencies?at=${encodeURIComponent(iso(t0 - 20 * DAY))}`);
      const dept = (n: { children: Array<{ id: string; name: string }> }) => n.children.find((c) => c.id === id);
      assert.equal(dept(past.json.agencies[0])?.name, 'Sở Tư pháp tỉnh Demo');
      assert.equal(dept((await sys.get('/api/v1/agencies')).json.agencies[0])?.name, 'Sở Tư pháp và Hộ tịch tỉnh Demo');
      const older = await sys.get(`/api/v1/agencies?at=${iso(t0 - 101 * DAY).slice(0, 10)}`);
      assert.deepEqual(older.json.agencies, []);

      const detail = await (await s.as('snv.officer')).get(`/api/v1/agencies/${id}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.json.versions.length, 2);
    });

    test('agency changes refused: wrong role, bad code, duplicates, bad dates — no state change', async () => {
      const tinh = s.seed.agencies['000.00.00.H99']!;
      const snv = s.seed.agencies['000.01.00.H99']!;
      const body = { code: '000.04.00.H99', name: 'Sở Y tế tỉnh Demo', shortName: 'SYT', level: 'department', parentId: tinh };
      await refused(await s.as('tinh.admin'), 'POST', '/api/v1/agencies', { json: body }, 403);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, code: '04.00.H99' } }, 400, /000\.00\.00\.H99/);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, code: '000.01.00.H99' } }, 409, /already taken/);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, parentId: undefined } }, 400, /needs a parent/);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, parentId: 'nope' } }, 404);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, level: 'kingdom' } }, 400);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, effectiveFrom: iso(t0 + DAY) } }, 400, /future/);
      await refused(sys, 'POST', '/api/v1/agencies', { json: { ...body, extra: 1 } }, 400);
      // A rename must start after the current version and not in the future.
      await refused(sys, 'POST', `/api/v1/agencies/${snv}/rename`, { json: { name: 'Sở Nội vụ mới', effectiveFrom: iso(t0 - 101 * DAY) } }, 400, /must be after/);
      await refused(sys, 'POST', `/api/v1/agencies/${snv}/rename`, { json: { name: 'Sở Nội vụ mới', effectiveFrom: iso(t0 + DAY) } }, 400, /future/);
      await refused(sys, 'POST', `/api/v1/agencies/${snv}/rename`, { json: { name: 'Sở Nội vụ mới', effectiveFrom: 'yesterday' } }, 400);
      await refused(sys, 'POST', '/api/v1/agencies/missing/rename', { json: { name: 'X', effectiveFrom: iso(t0) } }, 404);
      await refused(sys, 'POST', '/api/v1/agencies/merge', { json: { sourceIds: [snv], targetId: snv, effectiveFrom: iso(t0) } }, 400, /cannot also be a source/);
      await refused(sys, 'POST', '/api/v1/agencies/merge', { json: { sourceIds: [tinh], targetId: snv, effectiveFrom: iso(t0) } }, 400);
      await refused(await s.as('snv.admin'), 'POST', '/api/v1/agencies/merge', { json: { sourceIds: [snv], targetId: tinh, effectiveFrom: iso(t0) } }, 403);
      await refused(sys, 'POST', `/api/v1/agencies/${snv}/split`, { json: { into: [{ code: '000.05.00.H99', name: 'A', shortName: 'A' }, { code: '000.05.00.H99', name: 'B', shortName: 'B' }], effectiveFrom: iso(t0) } }, 400, /same code/);
      await refused(sys, 'POST', `/api/v1/agencies/${snv}/split`, { json: { into: [{ code: '000.02.00.H99', name: 'A', shortName: 'A' }], effectiveFrom: iso(t0) } }, 409, /already taken/);
      const anon = s.anonymous();
      assert.equal((await anon.get('/api/v1/agencies')).status, 401);
    });

    test('2025 restructuring: communes merged into a new commune under the province, district dissolved', async () => {
      const tinh = s.seed.agencies['000.00.00.H99']!;
      const mk = async (code: string, name: string, level: string, parentId: string) => {
        const r = await sys.post('/api/v1/agencies', { code, name, shortName: 'UBND', level, parentId, effectiveFrom: iso(t0 - 60 * DAY) });
        assert.equal(r.status, 201, r.text);
        return r.json.id as string;
      };
      const huyen = await mk('000.00.12.H99', 'Ủy ban nhân dân huyện Demo Nam', 'district', tinh);
      const xaA = await mk('000.12.01.H99', 'Ủy ban nhân dân xã Demo A', 'commune', huyen);
      const xaB = await mk('000.12.02.H99', 'Ủy ban nhân dân xã Demo B', 'commune', huyen);
      const xaC = await mk('000.12.03.H99', 'Ủy ban nhân dân xã Demo C', 'commune', huyen);
      const xaMoi = await mk('000.13.01.H99', 'Ủy ban nhân dân xã Demo Mới', 'commune', tinh);
      const people: string[] = [];
      for (const [agencyId, username] of [[xaA, 'xaa.clerk'], [xaB, 'xab.clerk'], [huyen, 'huyennam.leader']] as const) {
        const r = await sys.post('/api/v1/users', { username, fullName: 'Nguyễn Văn ' + username, position: 'Văn thư', roles: ['clerk'], password: 'long-enough-password', agencyId });
        assert.equal(r.status, 201, r.text);
        people.push(r.json.id);
      }
      const tokenId = 'tok-' + xaA.slice(0, 8);
      await s.ctx.db.kysely.insertInto('api_tokens').values({ id: tokenId, token_hash: `h-${tokenId}`, agency_id: xaA, name: 'old', scopes: 'documents:read', created_by: 'test', created_at: iso(t0), expires_at: null, revoked_at: null, last_used_at: null }).execute();

      // Merge A, B, C into the new commune, effective 30 days ago, with a new name.
      const eff = t0 - 30 * DAY;
      const m = await sys.post('/api/v1/agencies/merge', { sourceIds: [xaA, xaB, xaC], targetId: xaMoi, effectiveFrom: iso(eff), newName: 'Ủy ban nhân dân xã Demo Hợp Nhất' });
      assert.equal(m.status, 200, m.text);
      assert.equal(m.json.movedUsers, 2);
      assert.equal(m.json.current.name, 'Ủy ban nhân dân xã Demo Hợp Nhất');
      assert.equal(m.json.current.change, 'absorbed');
      assert.deepEqual((m.json.current.details.sources as Array<{ code: string }>).map((x) => x.code), ['000.12.01.H99', '000.12.02.H99', '000.12.03.H99']);
      for (const src of [xaA, xaB, xaC]) {
        const d = (await sys.get(`/api/v1/agencies/${src}`)).json;
        assert.equal(d.status, 'dissolved');
        assert.equal(d.current, null);
        assert.deepEqual(d.versions.map((v: { change: string }) => v.change), ['created', 'merged-into']);
        assert.equal(d.versions[1].details.targetId, xaMoi);
        // Before the merge the old name; from the merge on, none.
        assert.equal((await agencyVersionAt(s.ctx, src, new Date(eff - DAY))).version, 1);
        await assert.rejects(agencyVersionAt(s.ctx, src, new Date(eff)), /no name in force/);
      }
      assert.equal((await agencyVersionAt(s.ctx, xaMoi, new Date(eff - 1))).name, 'Ủy ban nhân dân xã Demo Mới');
      assert.equal((await agencyVersionAt(s.ctx, xaMoi, new Date(eff))).name, 'Ủy ban nhân dân xã Demo Hợp Nhất');
      // People moved, audited one by one; the dissolved commune's API token no longer works.
      for (const id of people.slice(0, 2)) assert.equal((await sys.get(`/api/v1/users/${id}`)).json.agencyId, xaMoi);
      const moved = await s.ctx.db.kysely.selectFrom('audit_log').select('target').where('action', '=', 'user.moved').execute();
      assert.deepEqual(moved.map((r) => r.target).sort(), ['xaa.clerk', 'xab.clerk']);
      assert.ok((await s.ctx.db.kysely.selectFrom('api_tokens').select('revoked_at').where('id', '=', tokenId).executeTakeFirstOrThrow()).revoked_at);
      assert.equal((await lastAudit('agency.merged')).details.movedUsers, 2);
      // A dissolved agency cannot change again, nor take new people.
      await refused(sys, 'POST', `/api/v1/agencies/${xaA}/rename`, { json: { name: 'X', effectiveFrom: iso(t0) } }, 409, /dissolved/);
      await refused(sys, 'POST', '/api/v1/users', { json: { username: 'late.clerk', fullName: 'X', position: 'X', roles: ['clerk'], password: 'long-enough-password', agencyId: xaB } }, 409, /dissolved/);

      // The district level goes: the district merges into the province.
      const d = await sys.post('/api/v1/agencies/merge', { sourceIds: [huyen], targetId: tinh, effectiveFrom: iso(t0 - 20 * DAY) });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.movedUsers, 1);
      assert.equal(d.json.current.name, 'Ủy ban nhân dân tỉnh Demo');
      const tree = (await sys.get('/api/v1/agencies')).json.agencies[0];
      const codes = (tree.children as Array<{ code: string }>).map((c) => c.code);
      assert.ok(codes.includes('000.13.01.H99') && !codes.includes('000.00.12.H99'));
      // The tree as it stood before shows the district with its three communes.
      const then = (await sys.get(`/api/v1/agencies?at=${encodeURIComponent(iso(eff - DAY))}`)).json.agencies[0];
      const oldDistrict = (then.children as Array<{ id: string; children: unknown[] }>).find((c) => c.id === huyen);
      assert.equal(oldDistrict?.children.length, 3);
      assert.ok((await verifyAuditLog(s.ctx.db.kysely)).ok);
    });

    test('split: new agencies from a source, kept or dissolved; subordinates move up', async () => {
      const tinh = s.seed.agencies['000.00.00.H99']!;
      const src = (await sys.post('/api/v1/agencies', { code: '000.20.00.H99', name: 'Sở Giáo dục và Khoa học tỉnh Demo', shortName: 'SGDKH', level: 'department', parentId: tinh, effectiveFrom: iso(t0 - 50 * DAY) })).json.id as string;
      const unit = (await sys.post('/api/v1/agencies', { code: '000.20.01.H99', name: 'Trung tâm Tin học', shortName: 'TTTH', level: 'unit', parentId: src, effectiveFrom: iso(t0 - 50 * DAY) })).json.id as string;
      const person = (await sys.post('/api/v1/users', { username: 'sgd.leader', fullName: 'Phạm Thị Giáo', position: 'Giám đốc', roles: ['leader'], password: 'long-enough-password', agencyId: src })).json.id as string;
      await sys.post('/api/v1/users', { username: 'sgd.officer', fullName: 'Phạm Văn Khoa', position: 'Chuyên viên', roles: ['officer'], password: 'long-enough-password', agencyId: src });

      // Keep the source: it gets a 'split-into' version and stays active.
      const eff1 = t0 - 40 * DAY;
      const kept = await sys.post(`/api/v1/agencies/${src}/split`, { into: [{ code: '000.21.00.H99', name: 'Sở Khoa học tỉnh Demo', shortName: 'SKH' }], effectiveFrom: iso(eff1), keepSource: true });
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.json.source.status, 'active');
      assert.equal(kept.json.source.current.change, 'split-into');
      assert.equal(kept.json.created[0].versions[0].change, 'split-from');
      assert.equal(kept.json.created[0].versions[0].details.sourceId, src);
      assert.equal(kept.json.created[0].level, 'department');
      assert.equal(kept.json.created[0].parentId, tinh);

      // Dissolve it: two new agencies, the leader goes with the first, the unit moves to the province.
      const eff2 = t0 - 20 * DAY;
      const split = await sys.post(`/api/v1/agencies/${src}/split`, {
        into: [{ code: '000.22.00.H99', name: 'Sở Giáo dục tỉnh Demo', shortName: 'SGD', userIds: [person] }, { code: '000.23.00.H99', name: 'Sở Đào tạo tỉnh Demo', shortName: 'SĐT' }],
        effectiveFrom: iso(eff2),
      });
      assert.equal(split.status, 200, split.text);
      assert.equal(split.json.source.status, 'dissolved');
      assert.deepEqual(split.json.source.versions.map((v: { change: string }) => v.change), ['created', 'split-into', 'split-into']);
      assert.equal(split.json.unassignedUsers, 1);
      const [sgd] = split.json.created;
      assert.equal((await sys.get(`/api/v1/users/${person}`)).json.agencyId, sgd.id);
      const u = (await sys.get(`/api/v1/agencies/${unit}`)).json;
      assert.equal(u.parentId, tinh);
      assert.equal(u.current.change, 'moved');
      assert.equal(u.current.parentName, 'Ủy ban nhân dân tỉnh Demo');
      assert.equal(u.versions[0].parentName, 'Sở Giáo dục và Khoa học tỉnh Demo');
      assert.equal((await agencyVersionAt(s.ctx, src, new Date(eff2 - 1))).version, 2);
      await assert.rejects(agencyVersionAt(s.ctx, src, new Date(eff2)));
      assert.equal((await agencyVersionAt(s.ctx, sgd.id, new Date(eff2))).name, 'Sở Giáo dục tỉnh Demo');
      await assert.rejects(agencyVersionAt(s.ctx, sgd.id, new Date(eff2 - 1)));
      const audit = await lastAudit('agency.split');
      assert.equal(audit.target, '000.20.00.H99');
      assert.equal((audit.details.into as unknown[]).length, 2);
    });

    test('users: agency administrator and system administrator manage people; no hashes shown', async () => {
      const snvAdmin = await s.as('snv.admin');
      const snv = s.seed.agencies['000.01.00.H99']!;
      const stc = s.seed.agencies['000.02.00.H99']!;
      const list = await snvAdmin.get('/api/v1/users');
      assert.equal(list.status, 200);
      assert.deepEqual(new Set(list.json.users.map((u: { agencyId: string }) => u.agencyId)), new Set([snv]));
      assert.equal(list.json.total, 4);
      assert.ok(!list.text.includes('argon2') && !list.text.includes('password'));
      const all = await sys.get(`/api/v1/users?agencyId=${stc}`);
      assert.deepEqual(all.json.users.map((u: { username: string }) => u.username), ['stc.admin', 'stc.clerk', 'stc.leader', 'stc.officer']);

      const created = await snvAdmin.post('/api/v1/users', { username: 'snv.pho-giam-doc', fullName: 'Đỗ Thị Phó', position: 'Phó Giám đốc', roles: ['leader'], uid: 'CCCD:001085000123', password: 'a-good-long-password' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.agencyId, snv);
      assert.equal(created.json.uid, 'CCCD:001085000123');
      assert.ok(!('passwordHash' in created.json) && !created.text.includes('argon2'));
      const id = created.json.id as string;
      assert.deepEqual((await lastAudit('user.created')).details.roles, ['leader']);
      // The new person logs in.
      await new ApiClient(s.base).login('snv.pho-giam-doc', 'a-good-long-password');

      const patched = await snvAdmin.request('PATCH', `/api/v1/users/${id}`, { json: { position: 'Giám đốc', roles: ['leader', 'clerk'] } });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.position, 'Giám đốc');
      assert.deepEqual(patched.json.roles, ['leader', 'clerk']);
      const upd = await lastAudit('user.updated');
      assert.deepEqual(upd.details.changes, { position: { from: 'Phó Giám đốc', to: 'Giám đốc' }, roles: { from: 'leader', to: 'leader,clerk' } });

      // Disabling ends access at once.
      const victim = await new ApiClient(s.base).login('snv.pho-giam-doc', 'a-good-long-password');
      assert.equal((await snvAdmin.request('PATCH', `/api/v1/users/${id}`, { json: { status: 'disabled' } })).status, 200);
      assert.equal((await victim.get('/api/v1/auth/me')).status, 401);
      assert.equal((await snvAdmin.request('PATCH', `/api/v1/users/${id}`, { json: { status: 'active' } })).status, 200);

      // A system administrator creates anywhere and may grant any role; moves people between agencies.
      const aud = await sys.post('/api/v1/users', { username: 'auditor2', fullName: 'Lê Kiểm', position: 'Kiểm tra viên', roles: ['auditor'], password: 'a-good-long-password', agencyId: stc });
      assert.equal(aud.status, 201, aud.text);
      const mv = await sys.request('PATCH', `/api/v1/users/${aud.json.id}`, { json: { agencyId: s.seed.agencies['000.00.00.H99'], uid: null } });
      assert.equal(mv.status, 200, mv.text);
      assert.equal(mv.json.agencyId, s.seed.agencies['000.00.00.H99']);

      // Everyone reads themselves; an officer reads nobody else.
      const officer = await s.as('snv.officer');
      assert.equal((await officer.get(`/api/v1/users/${s.seed.users['snv.officer']!.id}`)).status, 200);
      assert.equal((await officer.get(`/api/v1/users/${id}`)).status, 403);
      assert.equal((await officer.get('/api/v1/users')).status, 403);
      assert.equal((await snvAdmin.get(`/api/v1/users/${s.seed.users['stc.officer']!.id}`)).status, 403);
      assert.equal((await snvAdmin.get(`/api/v1/users?agencyId=${stc}`)).status, 403);
      assert.equal((await sys.get('/api/v1/users/nobody')).status, 404);
    });

    test('users: refusals change nothing', async () => {
      const snvAdmin = await s.as('snv.admin');
      const officer = await s.as('snv.officer');
      const stc = s.seed.agencies['000.02.00.H99']!;
      const ok = { username: 'snv.new', fullName: 'Người Mới', position: 'Chuyên viên', roles: ['officer'], password: 'a-good-long-password' };
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, agencyId: stc } }, 403, /own agency/);
      await refused(officer, 'POST', '/api/v1/users', { json: ok }, 403);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, roles: ['sysadmin'] } }, 403, /sysadmin/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, roles: ['officer', 'auditor'] } }, 403, /auditor/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, username: 'snv.leader' } }, 409, /already taken/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, password: 'short' } }, 400, /10 characters/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, roles: ['king'] } }, 400);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, roles: [] } }, 400);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, username: 'Snv.New' } }, 400, /lower-case/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, username: 'ab' } }, 400);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, uid: 'CMND:123' } }, 400, /CCCD/);
      await refused(snvAdmin, 'POST', '/api/v1/users', { json: { ...ok, admin: true } }, 400);
      // Changing people: same rules, and nobody locks themselves out.
      const stcOfficer = s.seed.users['stc.officer']!.id;
      const sysId = s.seed.users.sysadmin!.id;
      const snvLeader = s.seed.users['snv.leader']!.id;
      await refused(snvAdmin, 'PATCH', `/api/v1/users/${stcOfficer}`, { json: { position: 'X' } }, 403);
      await refused(snvAdmin, 'PATCH', `/api/v1/users/${snvLeader}`, { json: { roles: ['leader', 'sysadmin'] } }, 403);
      await refused(snvAdmin, 'PATCH', `/api/v1/users/${snvLeader}`, { json: { agencyId: stc } }, 403, /system administrator/);
      await refused(snvAdmin, 'PATCH', `/api/v1/users/${snvLeader}`, { json: { uid: '001085000123' } }, 400);
      await refused(snvAdmin, 'PATCH', `/api/v1/users/${s.seed.users['snv.admin']!.id}`, { json: { status: 'disabled' } }, 409, /your own/);
      await refused(sys, 'PATCH', `/api/v1/users/${sysId}`, { json: { roles: ['auditor'] } }, 409, /own sysadmin/);
      await refused(sys, 'PATCH', `/api/v1/users/${sysId}`, { json: { status: 'disabled' } }, 409);
      // The province's agency administrator cannot touch the system administrator in their agency.
      const tinhAdmin = await s.as('tinh.admin');
      await refused(tinhAdmin, 'PATCH', `/api/v1/users/${sysId}`, { json: { status: 'disabled' } }, 403, /sysadmin/);
      await refused(tinhAdmin, 'POST', `/api/v1/users/${sysId}/password`, { json: { password: 'takeover-password-1' } }, 403);
      await refused(officer, 'PATCH', `/api/v1/users/${snvLeader}`, { json: { position: 'X' } }, 403);
    });

    test('passwords: administrator reset ends sessions; self change checks the current one', async () => {
      const snvAdmin = await s.as('snv.admin');
      const clerkId = s.seed.users['snv.clerk']!.id;
      const clerk = await s.as('snv.clerk');
      const r = await snvAdmin.post(`/api/v1/users/${clerkId}/password`, { password: 'reset-by-admin-2026' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await clerk.get('/api/v1/auth/me')).status, 401);
      assert.equal((await lastAudit('user.password-reset')).target, 'snv.clerk');
      const again = await s.as('snv.clerk').catch(() => undefined);
      assert.equal(again, undefined);
      const self = await new ApiClient(s.base).login('snv.clerk', 'reset-by-admin-2026');
      await refused(self, 'POST', '/api/v1/me/password', { json: { current: 'wrong-password-x', new: 'my-own-password-2026' } }, 403, /current password/);
      await refused(self, 'POST', '/api/v1/me/password', { json: { current: 'reset-by-admin-2026', new: 'short' } }, 400);
      await refused(snvAdmin, 'POST', `/api/v1/users/${s.seed.users['stc.clerk']!.id}/password`, { json: { password: 'reset-by-admin-2026' } }, 403);
      await refused(snvAdmin, 'POST', `/api/v1/users/${clerkId}/password`, { json: { password: 'short' } }, 400);
      const changed = await self.post('/api/v1/me/password', { current: 'reset-by-admin-2026', new: 'my-own-password-2026' });
      assert.equal(changed.status, 200, changed.text);
      assert.equal((await self.get('/api/v1/auth/me')).status, 200);
      await new ApiClient(s.base).login('snv.clerk', 'my-own-password-2026');
      assert.equal((await lastAudit('user.password-changed')).target, 'snv.clerk');
    });

    test('signatures: set by self or own agency administrator, PNG only', async () => {
      const leaderId = s.seed.users['stc.leader']!.id;
      const leader = await s.as('stc.leader');
      const png = makeSignaturePng({ width: 300, height: 120, color: [10, 20, 150] });
      const put = await leader.request('PUT', `/api/v1/users/${leaderId}/signature`, { body: png, type: 'image/png' });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.json.hasSignature, true);
      const got = await (await s.as('stc.clerk')).get(`/api/v1/users/${leaderId}/signature`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/png');
      assert.deepEqual(got.bytes, png);
      assert.equal(decodePng(got.bytes).width, 300);
      assert.equal((await lastAudit('signature.set')).target, 'stc.leader');
      const byAdmin = await (await s.as('stc.admin')).request('PUT', `/api/v1/users/${leaderId}/signature`, { body: makeSignaturePng(), type: 'image/png' });
      assert.equal(byAdmin.status, 200, byAdmin.text);

      await refused(leader, 'PUT', `/api/v1/users/${leaderId}/signature`, { body: NOT_PNG, type: 'image/png' }, 400, /not a usable PNG/);
      await refused(leader, 'PUT', `/api/v1/users/${leaderId}/signature`, { body: png.slice(0, png.length - 20), type: 'image/png' }, 400);
      await refused(leader, 'PUT', `/api/v1/users/${leaderId}/signature`, { body: png, type: 'image/jpeg' }, 415);
      await refused(await s.as('snv.admin'), 'PUT', `/api/v1/users/${leaderId}/signature`, { body: png, type: 'image/png' }, 403);
      await refused(await s.as('stc.officer'), 'PUT', `/api/v1/users/${leaderId}/signature`, { body: png, type: 'image/png' }, 403);
      assert.equal((await (await s.as('snv.officer')).get(`/api/v1/users/${leaderId}/signature`)).status, 403);
      assert.equal((await leader.get(`/api/v1/users/${s.seed.users['stc.officer']!.id}/signature`)).status, 404);
    });

    test('seals: upload, list, image, currentSeal; refusals change nothing', async () => {
      const stc = s.seed.agencies['000.02.00.H99']!;
      const stcAdmin = await s.as('stc.admin');
      const png = makeSealPng({ sizePx: 200, marginPx: 20, color: [200, 0, 0] });
      const from = iso(t0 + 10 * DAY);
      const up = await stcAdmin.request('POST', `/api/v1/agencies/${stc}/seals?diameterMm=38.5&validFrom=${encodeURIComponent(from)}`, { body: png, type: 'image/png' });
      assert.equal(up.status, 201, up.text);
      assert.equal(up.json.diameterMm, 38.5);
      assert.equal(up.json.validFrom, from);
      assert.equal(up.json.createdBy, `user:${s.seed.users['stc.admin']!.id}`);
      const audit = await lastAudit('seal.added');
      assert.equal(audit.target, up.json.id);
      assert.equal(audit.details.diameterMm, 38.5);

      const list = await (await s.as('stc.officer')).get(`/api/v1/agencies/${stc}/seals`);
      assert.equal(list.status, 200);
      assert.equal(list.json.seals.length, 2);
      assert.equal(list.json.seals[0].id, up.json.id);
      const img = await (await s.as('stc.clerk')).get(`/api/v1/seals/${up.json.id}/image`);
      assert.equal(img.status, 200);
      assert.deepEqual(img.bytes, png);
      assert.equal((await sys.get(`/api/v1/seals/${up.json.id}/image`)).status, 200);

      // Before its validFrom the seeded 40 mm seal is in force; from then on the new one.
      const seeded = await currentSeal(s.ctx, stc, new Date(t0));
      assert.equal(seeded.diameterMm, 40);
      const later = await currentSeal(s.ctx, stc, new Date(t0 + 11 * DAY));
      assert.equal(later.id, up.json.id);
      assert.deepEqual(later.png, png);

      // A system administrator adds one with a validity window.
      const win = await sys.request('POST', `/api/v1/agencies/${stc}/seals?diameterMm=30&validFrom=${iso(t0 + 20 * DAY).slice(0, 10)}&validTo=${encodeURIComponent(iso(t0 + 40 * DAY))}`, { body: png, type: 'image/png' });
      assert.equal(win.status, 201, win.text);
      assert.equal((await currentSeal(s.ctx, stc, new Date(t0 + 30 * DAY))).diameterMm, 30);
      assert.equal((await currentSeal(s.ctx, stc, new Date(t0 + 41 * DAY))).id, up.json.id);

      const path = `/api/v1/agencies/${stc}/seals`;
      await refused(stcAdmin, 'POST', `${path}?diameterMm=40`, { body: NOT_PNG, type: 'image/png' }, 400, /not a usable PNG/);
      await refused(stcAdmin, 'POST', `${path}?diameterMm=19.9`, { body: png, type: 'image/png' }, 400);
      await refused(stcAdmin, 'POST', `${path}?diameterMm=61`, { body: png, type: 'image/png' }, 400);
      await refused(stcAdmin, 'POST', `${path}?diameterMm=abc`, { body: png, type: 'image/png' }, 400);
      await refused(stcAdmin, 'POST', path, { body: png, type: 'image/png' }, 400);
      await refused(stcAdmin, 'POST', `${path}?diameterMm=40&validFrom=${encodeURIComponent(from)}&validTo=${encodeURIComponent(from)}`, { body: png, type: 'image/png' }, 400, /validTo/);
      await refused(await s.as('snv.admin'), 'POST', `${path}?diameterMm=40`, { body: png, type: 'image/png' }, 403);
      await refused(await s.as('stc.clerk'), 'POST', `${path}?diameterMm=40`, { body: png, type: 'image/png' }, 403);
      await refused(sys, 'POST', '/api/v1/agencies/missing/seals?diameterMm=40', { body: png, type: 'image/png' }, 404);
      const snvOfficer = await s.as('snv.officer');
      assert.equal((await snvOfficer.get(path)).status, 403);
      assert.equal((await snvOfficer.get(`/api/v1/seals/${up.json.id}/image`)).status, 403);
      assert.equal((await snvOfficer.get('/api/v1/seals/none/image')).status, 404);
    });

    test('currentSeal: a clear conflict when the agency has none', async () => {
      const r = await sys.post('/api/v1/agencies', { code: '000.30.00.H99', name: 'Ban Quản lý dự án tỉnh Demo', shortName: 'BQLDA', level: 'unit', parentId: s.seed.agencies['000.00.00.H99'] });
      assert.equal(r.status, 201, r.text);
      await assert.rejects(currentSeal(s.ctx, r.json.id, s.clock.now()), (e: Error & { kind?: string }) => e.kind === 'conflict' && /000\.30\.00\.H99 has no seal/.test(e.message));
      assert.equal((await sys.get('/api/docs')).json.paths['/api/v1/agencies/merge'].post.tags[0], 'agencies');
    });
  });
}
