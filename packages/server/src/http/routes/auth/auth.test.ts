import { makeSimplePdf } from '@kyso/testkit';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isKysoError } from '@kyso/core';
import { DIALECTS } from '../../../services/test-ca.ts';
import { ApiClient, startTestServer, type ApiResponse, type TestServer } from '../../../testing/test-server.ts';
import { SoftAuthenticator } from '../../../testing/soft-authenticator.ts';
import { consumeApproval, createApprovalChallenge } from '../../../services/approvals.ts';
import { checkAccess, parseRoles, type Principal } from '../../../auth/principal.ts';
import { resolveApiToken } from '../../../auth/sessions.ts';

/** The principal of a demo user, as a session would give it. */
async function userPrincipal(s: TestServer, username: string): Promise<Principal> {
  const u = await s.ctx.db.kysely.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  return { kind: 'user', id: u.id, agencyId: u.agency_id, name: u.full_name, roles: new Set(parseRoles(u.roles)), scopes: new Set() };
}

/** Asserts `p` rejects with a KysoError of `kind` whose message matches `re`. */
async function rejectsWith(p: Promise<unknown>, kind: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKysoError(e), String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, re);
    return true;
  });
}

/** Keeps the cookies and CSRF token of a login answer (password or passkey). */
function adoptSession(c: ApiClient, r: ApiResponse): ApiClient {
  c.cookie = r.headers.getSetCookie().map((x) => x.split(';')[0]!).filter((x) => !x.endsWith('=')).join('; ');
  c.csrf = r.json.csrfToken;
  return c;
}

for (const dialect of DIALECTS) {
  describe(`auth: passkeys, approvals, API tokens (${dialect})`, () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(dialect); });
    after(async () => { await s?.close(); });

    const db = () => s.ctx.db.kysely;
    const sessionsOf = async (username: string) => (await db().selectFrom('sessions').select('id').where('user_id', '=', s.seed.users[username]!.id).execute()).length;
    const counterOf = async (credentialId: string) => Number((await db().selectFrom('passkeys').select('counter').where('credential_id', '=', credentialId).executeTakeFirstOrThrow()).counter);
    const auditActions = async (action: string) => (await db().selectFrom('audit_log').selectAll().where('action', '=', action).execute());

    async function registerPasskey(username: string, name = 'Laptop'): Promise<{ auth: SoftAuthenticator; credentialId: string; client: ApiClient }> {
      const client = await s.as(username);
      const auth = new SoftAuthenticator();
      const o = await client.post('/api/v1/auth/passkeys/register/options');
      assert.equal(o.status, 200, o.text);
      assert.equal(o.json.options.authenticatorSelection.userVerification, 'required');
      const v = await client.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: auth.register(o.json.options, s.base), name });
      assert.equal(v.status, 201, v.text);
      return { auth, credentialId: v.json.passkey.id, client };
    }

    async function loginOptions(username?: string): Promise<{ challengeId: string; options: any }> {
      const r = await s.anonymous().post('/api/v1/auth/passkeys/login/options', username ? { username } : {});
      assert.equal(r.status, 200, r.text);
      return r.json;
    }

    test('passkey registration, list, login by username and without one → a working session, audited', async () => {
      const { auth, credentialId, client } = await registerPasskey('snv.leader', 'Điện thoại');
      const list = await client.get('/api/v1/auth/passkeys');
      assert.deepEqual(list.json.passkeys.map((p: any) => [p.id, p.name, p.transports]), [[credentialId, 'Điện thoại', ['internal']]]);
      assert.equal((await auditActions('auth.passkey-added')).length, 1);

      const o = await loginOptions('snv.leader');
      assert.deepEqual(o.options.allowCredentials.map((c: any) => c.id), [credentialId]);
      assert.equal(o.options.userVerification, 'required');
      const before = await sessionsOf('snv.leader');
      const r = await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: auth.assert(o.options, s.base) });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.user.username, 'snv.leader');
      const c = adoptSession(s.anonymous(), r);
      assert.equal((await c.get('/api/v1/auth/me')).json.user.username, 'snv.leader');
      assert.equal(await sessionsOf('snv.leader'), before + 1);
      const login = (await auditActions('auth.login')).map((e) => JSON.parse(e.details)).filter((d) => d.method === 'passkey');
      assert.deepEqual(login.map((d) => d.credential), [credentialId]);
      assert.equal(await counterOf(credentialId), 2);
      // Session-authenticated unsafe calls still need CSRF; logout works as after a password login.
      assert.equal((await c.post('/api/v1/auth/logout')).status, 200);
      assert.equal((await c.get('/api/v1/auth/me')).status, 401);

      // Usernameless (discoverable credential): no allowCredentials, the passkey names the user.
      const d = await loginOptions();
      assert.equal(d.options.allowCredentials?.length ?? 0, 0);
      const r2 = await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: d.challengeId, response: auth.assert(d.options, s.base) });
      assert.equal(r2.status, 200, r2.text);
      assert.equal(r2.json.user.username, 'snv.leader');
    });

    test('a replayed login assertion is refused: 401, no new session, counter unchanged', async () => {
      const { auth, credentialId } = await registerPasskey('stc.leader');
      const o = await loginOptions('stc.leader');
      const assertion = auth.assert(o.options, s.base);
      assert.equal((await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: assertion })).status, 200);
      const sessions = await sessionsOf('stc.leader');
      const counter = await counterOf(credentialId);
      const replay = await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: assertion });
      assert.equal(replay.status, 401);
      assert.match(replay.json.title, /already used/);
      assert.equal(replay.headers.getSetCookie().length, 0);
      // The same assertion against a fresh challenge: the signed challenge does not match.
      const fresh = await loginOptions('stc.leader');
      const moved = await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: fresh.challengeId, response: assertion });
      assert.equal(moved.status, 401);
      assert.match(moved.json.title, /challenge/);
      // A cloned authenticator (counter not increasing) is refused too.
      const cloned = await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: fresh.challengeId, response: auth.assert(fresh.options, s.base, { counter: counter }) });
      assert.equal(cloned.status, 401);
      assert.match(cloned.json.title, /counter/);
      assert.equal(await sessionsOf('stc.leader'), sessions);
      assert.equal(await counterOf(credentialId), counter);
      // Nothing was spent: the fresh challenge still works with a genuine assertion.
      assert.equal((await s.anonymous().post('/api/v1/auth/passkeys/login/verify', { challengeId: fresh.challengeId, response: auth.assert(fresh.options, s.base) })).status, 200);
    });

    test('wrong origin, expired challenge, unknown passkey, another account\'s passkey, no user verification: refused', async () => {
      const { auth } = await registerPasskey('huyen.leader');
      const { auth: other } = await registerPasskey('huyen.clerk');
      const anon = s.anonymous();
      const sessions = await sessionsOf('huyen.leader');
      const o = await loginOptions('huyen.leader');
      const evil = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: auth.assert(o.options, 'https://evil.example') });
      assert.equal(evil.status, 401);
      assert.match(evil.json.title, /origin/);
      const noUv = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: auth.assert(o.options, s.base, { userVerified: false }) });
      assert.equal(noUv.status, 401);
      assert.match(noUv.json.title, /verification/);
      const stranger = new SoftAuthenticator();
      stranger.register(await registerOptionsFor('xa.officer'), s.base);
      const unknown = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: stranger.assert({ ...o.options, allowCredentials: [] }, s.base) });
      assert.equal(unknown.status, 401);
      assert.match(unknown.json.title, /not registered/);
      // huyen.clerk's passkey on a challenge asked for huyen.leader.
      const wrongUser = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: other.assert({ ...o.options, allowCredentials: [] }, s.base) });
      assert.equal(wrongUser.status, 401);
      assert.match(wrongUser.json.title, /another account/);
      s.clock.set(new Date(s.clock.now().getTime() + 6 * 60_000).toISOString());
      const late = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: auth.assert(o.options, s.base) });
      assert.equal(late.status, 401);
      assert.match(late.json.title, /expired/);
      assert.equal(await sessionsOf('huyen.leader'), sessions);
      const bad = await anon.post('/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: { id: 'x' } });
      assert.equal(bad.status, 400);
    });

    /** Registration options for `username` (a challenge nobody answers). */
    async function registerOptionsFor(username: string): Promise<any> {
      return (await (await s.as(username)).post('/api/v1/auth/passkeys/register/options')).json.options;
    }

    test('registration: another user\'s challenge, a replayed attestation, removal of own passkeys only', async () => {
      const a = await s.as('xa.leader');
      const b = await s.as('xa.clerk');
      const auth = new SoftAuthenticator();
      const o = await a.post('/api/v1/auth/passkeys/register/options');
      const attestation = auth.register(o.json.options, s.base);
      const stolen = await b.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: attestation, name: 'x' });
      assert.equal(stolen.status, 401);
      assert.match(stolen.json.title, /another user/);
      const noName = await a.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: attestation });
      assert.equal(noName.status, 400);
      const ok = await a.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: attestation, name: 'Khóa USB' });
      assert.equal(ok.status, 201, ok.text);
      const replay = await a.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.json.challengeId, response: attestation, name: 'again' });
      assert.equal(replay.status, 401);
      assert.match(replay.json.title, /already used/);
      // A second registration excludes the existing credential.
      const again = await a.post('/api/v1/auth/passkeys/register/options');
      assert.deepEqual(again.json.options.excludeCredentials.map((c: any) => c.id), [ok.json.passkey.id]);
      const id = ok.json.passkey.id;
      assert.equal((await b.request('DELETE', `/api/v1/auth/passkeys/${id}`)).status, 404);
      assert.equal((await a.get('/api/v1/auth/passkeys')).json.passkeys.length, 1);
      assert.equal((await a.request('DELETE', `/api/v1/auth/passkeys/${id}`)).status, 200);
      assert.equal((await a.get('/api/v1/auth/passkeys')).json.passkeys.length, 0);
      assert.equal((await auditActions('auth.passkey-removed')).length, 1);
    });

    test('approvals: challenge + consume, replay, payload mismatch, no user verification, another user\'s challenge', async () => {
      const leader = await userPrincipal(s, 'snv.leader');
      const clerk = await userPrincipal(s, 'snv.clerk');
      // Real documents of the leader's agency (approvals are only for one's own agency's documents).
      const officer = await s.as('snv.officer');
      const upload = async () => (await officer.request('POST', '/api/v1/documents?title=Approval&series=CV', { body: makeSimplePdf() })).json.document.id as string;
      const [docA, docB, docC, docX, doc1] = [await upload(), await upload(), await upload(), await upload(), await upload()];
      const stcDoc = (await (await s.as('stc.officer')).request('POST', '/api/v1/documents?title=Other&series=CV', { body: makeSimplePdf() })).json.document.id as string;
      await rejectsWith(createApprovalChallenge(s.ctx, clerk, { action: 'seal', documentIds: [docX] }), 'conflict', /register a passkey first/);
      const { auth } = await registerPasskey('snv.leader', 'second');
      const docs = [docB, docA, docC];
      const ch = await createApprovalChallenge(s.ctx, leader, { action: 'sign', documentIds: docs });
      assert.equal(ch.options.userVerification, 'required');
      assert.equal(ch.options.allowCredentials!.length, 2);
      const stored = await db().selectFrom('auth_challenges').selectAll().where('id', '=', ch.challengeId).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(stored.payload), { action: 'sign', documentIds: [docA, docB, docC].sort() });
      assert.equal(stored.purpose, 'approve');
      const response = auth.assert(ch.options, s.base);
      // Wrong payloads first: refused, and the challenge stays unspent.
      await rejectsWith(consumeApproval(s.ctx, leader, { challengeId: ch.challengeId, response }, { action: 'seal', documentIds: docs }), 'auth', /another action or other documents/);
      await rejectsWith(consumeApproval(s.ctx, leader, { challengeId: ch.challengeId, response }, { action: 'sign', documentIds: [docA, docB] }), 'auth', /another action or other documents/);
      await rejectsWith(consumeApproval(s.ctx, clerk, { challengeId: ch.challengeId, response }, { action: 'sign', documentIds: docs }), 'auth', /another user/);
      assert.equal((await auditActions('auth.approval')).length, 0);
      await consumeApproval(s.ctx, leader, { challengeId: ch.challengeId, response }, { action: 'sign', documentIds: [docC, docA, docB] });
      const audited = await auditActions('auth.approval');
      assert.equal(audited.length, 1);
      assert.deepEqual(JSON.parse(audited[0]!.details).documentIds, [docA, docB, docC].sort());
      await rejectsWith(createApprovalChallenge(s.ctx, leader, { action: 'sign', documentIds: [docA, stcDoc] }), 'not-found', /not found: nothing to approve/);
      await rejectsWith(consumeApproval(s.ctx, leader, { challengeId: ch.challengeId, response }, { action: 'sign', documentIds: docs }), 'auth', /already used/);

      const ch2 = await createApprovalChallenge(s.ctx, leader, { action: 'sign', documentIds: [docX] });
      await rejectsWith(consumeApproval(s.ctx, leader, { challengeId: ch2.challengeId, response: auth.assert(ch2.options, s.base, { userVerified: false }) }, { action: 'sign', documentIds: [docX] }), 'auth', /verification/);
      const token: Principal = { kind: 'token', id: 't', agencyId: leader.agencyId, name: 't', roles: new Set(), scopes: new Set(['documents:write']) };
      await rejectsWith(createApprovalChallenge(s.ctx, token, { action: 'sign', documentIds: [docX] }), 'forbidden', /person/);
      assert.equal((await auditActions('auth.approval')).length, 1);

      // Over HTTP: leaders and clerks only; the clerk without a passkey gets the clear 409.
      const c = await s.as('snv.leader');
      const opts = await c.post('/api/v1/approvals/options', { action: 'sign', documentIds: [doc1] });
      assert.equal(opts.status, 200, opts.text);
      await consumeApproval(s.ctx, leader, { challengeId: opts.json.challengeId, response: auth.assert(opts.json.options, s.base) }, { action: 'sign', documentIds: [doc1] });
      assert.equal((await (await s.as('snv.officer')).post('/api/v1/approvals/options', { action: 'sign', documentIds: [doc1] })).status, 403);
      const noKey = await (await s.as('stc.clerk')).post('/api/v1/approvals/options', { action: 'seal', documentIds: [stcDoc] });
      assert.equal(noKey.status, 409);
      assert.match(noKey.json.title, /PIN/);
      assert.equal((await c.post('/api/v1/approvals/options', { action: 'sign', documentIds: [] })).status, 400);
    });

    test('API tokens: created once, listed without secret, scopes enforced, revoked and expired tokens refused, agency checks', async () => {
      const admin = await s.as('snv.admin');
      const created = await admin.post('/api/v1/tokens', { name: 'Hệ thống QLVB', scopes: ['documents:read', 'verify'] });
      assert.equal(created.status, 201, created.text);
      const secret: string = created.json.token;
      assert.match(secret, /^kyso_/);
      assert.equal(created.json.apiToken.agencyId, s.seed.agencies['000.01.00.H99']);
      const list = await admin.get('/api/v1/tokens');
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.tokens.map((t: any) => t.name), ['Hệ thống QLVB']);
      assert.ok(!list.text.includes(secret) && !list.text.includes(secret.slice(5)));
      assert.ok(!('token' in list.json.tokens[0]) && !('tokenHash' in list.json.tokens[0]));

      // Scopes: the token passes a scope rule it holds, not one it lacks, and no role-only route.
      const p = await resolveApiToken(db(), secret, s.clock.now());
      assert.ok(p);
      checkAccess({ scopes: ['documents:read'] }, p);
      assert.throws(() => checkAccess({ scopes: ['audit:read'] }, p), /lacks the scope/);
      const bearer = s.anonymous();
      bearer.bearer = secret;
      const me = await bearer.get('/api/v1/auth/me');
      assert.equal(me.status, 403);
      assert.match(me.json.title, /scope/);
      assert.equal((await bearer.get('/api/v1/tokens')).status, 403);
      const forged = s.anonymous();
      forged.bearer = 'kyso_not-a-token';
      assert.equal((await forged.get('/api/v1/auth/me')).status, 401);
      // The list tells when a token was last used.
      const used = (await admin.get('/api/v1/tokens')).json.tokens.find((t: { id: string }) => t.id === created.json.apiToken.id);
      assert.equal(used.lastUsedAt, s.clock.now().toISOString());

      // Bad input and other agencies: clear errors, nothing created.
      const count = async () => (await db().selectFrom('api_tokens').select('id').execute()).length;
      const n = await count();
      assert.equal((await admin.post('/api/v1/tokens', { name: 'x', scopes: ['root'] })).status, 400);
      assert.equal((await admin.post('/api/v1/tokens', { name: 'x', scopes: [] })).status, 400);
      assert.equal((await admin.post('/api/v1/tokens', { name: 'x', scopes: ['verify'], agencyId: s.seed.agencies['000.02.00.H99'] })).status, 403);
      assert.equal((await (await s.as('snv.officer')).post('/api/v1/tokens', { name: 'x', scopes: ['verify'] })).status, 403);
      assert.equal(await count(), n);
      const sys = await s.as('sysadmin');
      const stcToken = await sys.post('/api/v1/tokens', { name: 'Cổng DVC', scopes: ['documents:write'], agencyId: s.seed.agencies['000.02.00.H99'] });
      assert.equal(stcToken.status, 201, stcToken.text);
      const cross = await admin.request('DELETE', `/api/v1/tokens/${stcToken.json.apiToken.id}`);
      assert.equal(cross.status, 403);
      assert.match(cross.json.title, /another agency/);
      assert.equal((await admin.get(`/api/v1/tokens?agencyId=${s.seed.agencies['000.02.00.H99']}`)).status, 403);
      assert.deepEqual((await sys.get(`/api/v1/tokens?agencyId=${s.seed.agencies['000.02.00.H99']}`)).json.tokens.map((t: any) => t.name), ['Cổng DVC']);

      // Revocation.
      const revoked = await admin.request('DELETE', `/api/v1/tokens/${created.json.apiToken.id}`);
      assert.equal(revoked.status, 200, revoked.text);
      assert.ok(revoked.json.apiToken.revokedAt);
      const after = await bearer.get('/api/v1/auth/me');
      assert.equal(after.status, 401);
      assert.match(after.json.title, /revoked/);
      assert.equal(await resolveApiToken(db(), secret, s.clock.now()), undefined);
      assert.equal((await admin.request('DELETE', `/api/v1/tokens/${created.json.apiToken.id}`)).status, 409);
      assert.deepEqual((await auditActions('token.create')).map((e) => e.target).sort(), [created.json.apiToken.id, stcToken.json.apiToken.id].sort());
      assert.deepEqual((await auditActions('token.revoke')).map((e) => e.target), [created.json.apiToken.id]);

      // Expiry.
      const short = await admin.post('/api/v1/tokens', { name: 'ngắn hạn', scopes: ['verify'], expiresInDays: 1 });
      assert.equal(short.status, 201);
      const st = await resolveApiToken(db(), short.json.token, s.clock.now());
      assert.ok(st);
      s.clock.set(new Date(s.clock.now().getTime() + 25 * 3_600_000).toISOString());
      assert.equal(await resolveApiToken(db(), short.json.token, s.clock.now()), undefined);
      const expired = s.anonymous();
      expired.bearer = short.json.token;
      assert.equal((await expired.get('/api/v1/auth/me')).status, 401);
    });

    test('a session past config.sessionHours is refused as expired', async () => {
      const c = await s.as('xa.officer');
      assert.equal((await c.get('/api/v1/auth/me')).status, 200);
      s.clock.set(new Date(s.clock.now().getTime() + (s.config.sessionHours * 60 + 1) * 60_000).toISOString());
      const r = await c.get('/api/v1/auth/me');
      assert.equal(r.status, 401);
      assert.match(r.json.title, /expired/);
    });
  });

  describe(`auth: login rate limit from the configuration (${dialect})`, () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(dialect, { config: { rateLimitPerMinute: 3 } }); });
    after(async () => { await s?.close(); });

    test('the 4th login attempt from one IP within a minute gets 429 with Retry-After; the next minute is open', async () => {
      const anon = s.anonymous();
      assert.equal((await anon.post('/api/v1/auth/login', { username: 'tinh.officer', password: 'wrong-password!' })).status, 401);
      assert.equal((await anon.post('/api/v1/auth/login', { username: 'tinh.officer', password: 'wrong-password!' })).status, 401);
      assert.equal((await anon.post('/api/v1/auth/login', { username: 'tinh.clerk', password: 'pw-tinh.clerk-0123456789' })).status, 200);
      const fourth = await anon.post('/api/v1/auth/login', { username: 'tinh.clerk', password: 'pw-tinh.clerk-0123456789' });
      assert.equal(fourth.status, 429);
      assert.match(fourth.json.title, /too many requests/);
      assert.ok(Number(fourth.headers.get('retry-after')) >= 1);
      // Passkey login has its own counter under the same limit.
      for (let i = 0; i < 3; i++) assert.equal((await anon.post('/api/v1/auth/passkeys/login/options', i === 0 ? undefined : {})).status, 200);
      assert.equal((await anon.post('/api/v1/auth/passkeys/login/options', {})).status, 429);
      s.clock.set(new Date(s.clock.now().getTime() + 61_000).toISOString());
      assert.equal((await anon.post('/api/v1/auth/login', { username: 'tinh.clerk', password: 'pw-tinh.clerk-0123456789' })).status, 200);
    });
  });
}
