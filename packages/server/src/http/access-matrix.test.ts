/**
 * The access-control matrix (issue #6 §10): every API route × every role (and anonymous callers and
 * API tokens) × a target in the caller's own agency / in another agency, with the expected outcome
 * written as a table. `A` = allowed (2xx), `D` = denied (401, 403 or 404 — another agency's
 * documents are answered 404, as if they did not exist). Any other answer (400, 409, 500) fails the
 * test: every request below is valid, so only the caller decides. Runs on SQLite and PostgreSQL.
 *
 * Callers: sysadmin and auditor belong to the province (tinh); the agency roles are the people of
 * Sở Nội vụ (snv); the token is an snv API token with every scope. "Other" is Sở Tài chính (stc).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { makeSealPng, makeSimplePdf } from '@kyso/testkit';
import { DIALECTS } from '../services/test-ca.ts';
import { ApiClient, startTestServer, type TestServer } from '../testing/test-server.ts';
import { ALL_ROUTES } from './routes/index.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { issueCredential } from '../services/credentials.ts';
import { SCOPES } from '../auth/principal.ts';

const CALLERS = ['sysadmin', 'agency_admin', 'leader', 'clerk', 'officer', 'auditor', 'anonymous', 'token'] as const;
type Caller = (typeof CALLERS)[number];
const LOGIN: Record<Exclude<Caller, 'anonymous' | 'token'>, string> = {
  sysadmin: 'sysadmin', agency_admin: 'snv.admin', leader: 'snv.leader', clerk: 'snv.clerk', officer: 'snv.officer', auditor: 'auditor',
};
const OWN_SLUG: Record<Caller, string> = { sysadmin: 'tinh', auditor: 'tinh', agency_admin: 'snv', leader: 'snv', clerk: 'snv', officer: 'snv', anonymous: 'snv', token: 'snv' };
const CODES: Record<string, string> = { tinh: '000.00.00.H99', snv: '000.01.00.H99', stc: '000.02.00.H99' };
const PIN = '482915';

interface Req { method: string; path: string; json?: unknown; body?: Uint8Array; type?: string }

/** Per-agency fixtures and makers of fresh objects (a row that changes state gets its own object). */
interface Target {
  slug: string;
  agencyId: string;
  users: Record<'admin' | 'leader' | 'clerk' | 'officer', string>;
  leaderSerial: string;
  sealSerial: string;
  sealId: string;
  draft: string;
  pendingRequest: string;
  freshDraft(): Promise<string>;
  freshSigned(): Promise<string>;
  freshRequest(): Promise<string>;
  freshToken(): Promise<string>;
  freshWebhook(): Promise<string>;
  freshAgency(): Promise<string>;
  freshUser(): Promise<string>;
}

interface Row {
  route: string;
  /** Expected outcome per caller, in CALLERS order, for an own-agency target and another agency's. */
  own: string;
  other: string;
  build(t: Target, c: Caller, ctx: Fixture): Promise<Req>;
  /** A new login for this request (the row ends sessions); 'keep' makes it the caller's session from then on. */
  session?: 'keep' | 'discard';
  after?(status: number, c: Caller, f: Fixture, req: Req): void;
}

interface Fixture {
  s: TestServer;
  passwords: Map<string, string>;
  freshClient(c: Caller): Promise<ApiClient>;
  targets: Record<string, Target>;
  authenticators: Map<string, SoftAuthenticator>;
  client(c: Caller): Promise<ApiClient>;
  adopt(c: Caller, client: ApiClient): void;
  passkeyOf(c: Caller): Promise<string>;
}

const ANY_USER = 'AAAAAADD';
const json = (method: string, path: string, body?: unknown): Req => ({ method, path, ...(body === undefined ? {} : { json: body }) });

const ROWS: Row[] = [
  // System and authentication
  { route: 'GET /api/v1/health', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async () => json('GET', '/api/v1/health') },
  { route: 'GET /api/docs', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async () => json('GET', '/api/docs') },
  { route: 'POST /api/v1/auth/login', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async (t) => json('POST', '/api/v1/auth/login', { username: `${t.slug}.officer`, password: `pw-${t.slug}.officer-0123456789` }) },
  { route: 'GET /api/v1/auth/me', own: ANY_USER, other: ANY_USER, build: async () => json('GET', '/api/v1/auth/me') },
  { route: 'POST /api/v1/auth/passkeys/register/options', own: ANY_USER, other: ANY_USER, build: async () => json('POST', '/api/v1/auth/passkeys/register/options') },
  {
    route: 'POST /api/v1/auth/passkeys/register/verify', own: ANY_USER, other: ANY_USER,
    build: async (_t, c, f) => {
      if (c === 'anonymous' || c === 'token') return json('POST', '/api/v1/auth/passkeys/register/verify', { challengeId: crypto.randomUUID(), response: new SoftAuthenticator().register({ rp: { id: '127.0.0.1', name: 'x' }, user: { id: 'AA', name: 'x', displayName: 'x' }, challenge: 'AA', pubKeyCredParams: [] } as never, f.s.base), name: 'x' });
      const o = (await (await f.client(c)).post('/api/v1/auth/passkeys/register/options')).json;
      const auth = f.authenticators.get(LOGIN[c]) ?? new SoftAuthenticator();
      f.authenticators.set(LOGIN[c], auth);
      return json('POST', '/api/v1/auth/passkeys/register/verify', { challengeId: o.challengeId, response: auth.register(o.options, f.s.base), name: 'matrix' });
    },
  },
  { route: 'GET /api/v1/auth/passkeys', own: ANY_USER, other: ANY_USER, build: async () => json('GET', '/api/v1/auth/passkeys') },
  {
    // own = one's own passkey; other = a passkey of a person of another agency
    route: 'DELETE /api/v1/auth/passkeys/:id', own: 'AAAAAADD', other: 'DDDDDDDD',
    build: async (t, c, f) => json('DELETE', `/api/v1/auth/passkeys/${t.slug === 'stc' ? await f.passkeyOf('stc-officer' as Caller) : await f.passkeyOf(c)}`),
  },
  { route: 'POST /api/v1/auth/passkeys/login/options', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async (t) => json('POST', '/api/v1/auth/passkeys/login/options', { username: `${t.slug}.officer` }) },
  {
    // Public: anyone holding the passkey of (here) the target agency's officer logs in with it.
    route: 'POST /api/v1/auth/passkeys/login/verify', own: 'AAAAAAAA', other: 'AAAAAAAA',
    build: async (t, _c, f) => {
      const o = (await f.s.anonymous().post('/api/v1/auth/passkeys/login/options', { username: `${t.slug}.officer` })).json;
      return json('POST', '/api/v1/auth/passkeys/login/verify', { challengeId: o.challengeId, response: f.authenticators.get(`${t.slug}.officer`)!.assert(o.options, f.s.base) });
    },
  },
  {
    route: 'POST /api/v1/approvals/options', own: 'DDAADDDD', other: 'DDDDDDDD',
    build: async (t) => json('POST', '/api/v1/approvals/options', { action: 'sign', documentIds: [t.draft] }),
  },
  { route: 'POST /api/v1/tokens', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', '/api/v1/tokens', { name: `t-${randomBytes(3).toString('hex')}`, scopes: ['verify'], agencyId: t.agencyId }) },
  { route: 'GET /api/v1/tokens', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/tokens?agencyId=${t.agencyId}`) },
  { route: 'DELETE /api/v1/tokens/:id', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('DELETE', `/api/v1/tokens/${await t.freshToken()}`) },

  // Directory
  { route: 'GET /api/v1/agencies', own: 'AAAAAADA', other: 'AAAAAADA', build: async () => json('GET', '/api/v1/agencies') },
  { route: 'GET /api/v1/agencies/:id', own: 'AAAAAADA', other: 'AAAAAADA', build: async (t) => json('GET', `/api/v1/agencies/${t.agencyId}`) },
  { route: 'POST /api/v1/agencies', own: 'ADDDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', '/api/v1/agencies', { code: `000.${String(randomBytes(1)[0]! % 90 + 10)}.${String(randomBytes(1)[0]! % 90 + 10)}.H99`, name: `Ban thử ${randomBytes(3).toString('hex')}`, shortName: 'BT', level: 'department', parentId: t.agencyId }) },
  { route: 'POST /api/v1/agencies/:id/rename', own: 'ADDDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', `/api/v1/agencies/${await t.freshAgency()}/rename`, { name: `Ban đổi tên ${randomBytes(3).toString('hex')}`, effectiveFrom: nextSecond() }) },
  {
    route: 'POST /api/v1/agencies/merge', own: 'ADDDDDDD', other: 'ADDDDDDD',
    build: async (t) => json('POST', '/api/v1/agencies/merge', { sourceIds: [await t.freshAgency()], targetId: await t.freshAgency(), effectiveFrom: nextSecond() }),
  },
  {
    route: 'POST /api/v1/agencies/:id/split', own: 'ADDDDDDD', other: 'ADDDDDDD',
    build: async (t) => json('POST', `/api/v1/agencies/${await t.freshAgency()}/split`, { into: [{ code: `000.${String(randomBytes(1)[0]! % 90 + 10)}.${String(randomBytes(1)[0]! % 90 + 10)}.H98`, name: `Ban tách ${randomBytes(3).toString('hex')}`, shortName: 'BT' }], effectiveFrom: nextSecond() }),
  },
  { route: 'POST /api/v1/agencies/:id/seals', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => ({ method: 'POST', path: `/api/v1/agencies/${t.agencyId}/seals?diameterMm=38`, body: makeSealPng({ sizePx: 200, marginPx: 10 }), type: 'image/png' }) },
  { route: 'GET /api/v1/agencies/:id/seals', own: 'AAAAAADA', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/agencies/${t.agencyId}/seals`) },
  { route: 'GET /api/v1/seals/:id/image', own: 'AAAAAADA', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/seals/${t.sealId}/image`) },
  { route: 'GET /api/v1/users', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/users?agencyId=${t.agencyId}`) },
  // People see their own record; administrators see their agency's (the system administrator everyone's).
  { route: 'GET /api/v1/users/:id', own: 'AADDADDD', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/users/${t.users.officer}`) },
  { route: 'POST /api/v1/users', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', '/api/v1/users', { username: `u${randomBytes(4).toString('hex')}`, fullName: 'Người Thử', position: 'Chuyên viên', roles: ['officer'], password: 'a long enough password', agencyId: t.agencyId }) },
  { route: 'PATCH /api/v1/users/:id', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('PATCH', `/api/v1/users/${t.users.officer}`, { position: `Chuyên viên ${randomBytes(2).toString('hex')}` }) },
  // (a reset ends the person's sessions: a fresh person each time)
  { route: 'POST /api/v1/users/:id/password', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', `/api/v1/users/${await t.freshUser()}/password`, { password: 'another long password' }) },
  // A signature image is set by its owner or the owner's agency administrator only.
  { route: 'PUT /api/v1/users/:id/signature', own: 'DAADDDDD', other: 'DDDDDDDD', build: async (t) => ({ method: 'PUT', path: `/api/v1/users/${t.users.leader}/signature`, body: makeSealPng({ sizePx: 120, marginPx: 5, color: [10, 20, 200] }), type: 'image/png' }) },
  { route: 'GET /api/v1/users/:id/signature', own: ANY_USER, other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/users/${t.users.leader}/signature`) },

  // Certificates (registration authority)
  { route: 'POST /api/v1/certificate-requests', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', '/api/v1/certificate-requests', { action: 'suspend', kind: 'official', serial: (await freshLeaderCredential(t)), agencyId: t.agencyId }) },
  { route: 'GET /api/v1/certificate-requests', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/certificate-requests?agencyId=${t.agencyId}`) },
  { route: 'GET /api/v1/certificate-requests/:id', own: 'AADDDDDD', other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/certificate-requests/${t.pendingRequest}`) },
  { route: 'POST /api/v1/certificate-requests/:id/approve', own: 'ADDDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', `/api/v1/certificate-requests/${await t.freshRequest()}/approve`) },
  { route: 'POST /api/v1/certificate-requests/:id/reject', own: 'ADDDDDDD', other: 'ADDDDDDD', build: async (t) => json('POST', `/api/v1/certificate-requests/${await t.freshRequest()}/reject`, { reason: 'không đúng người' }) },
  {
    // own = the caller's own credential (the leader's personal one, the clerk's agency seal)
    route: 'POST /api/v1/credentials/:serial/activate', own: 'DDAADDDD', other: 'DDDDDDDD',
    build: async (t, c) => json('POST', `/api/v1/credentials/${c === 'clerk' ? await freshSealCredential(t) : await freshLeaderCredential(t)}/activate`, { pin: PIN }),
  },
  { route: 'GET /api/v1/credentials', own: ANY_USER, other: 'ADDDDDDD', build: async (t, c) => json('GET', c === 'sysadmin' || t.slug === 'stc' ? `/api/v1/credentials?agencyId=${t.agencyId}` : '/api/v1/credentials') },
  { route: 'GET /api/v1/certificates/:serial', own: ANY_USER, other: 'ADDDDDDD', build: async (t) => json('GET', `/api/v1/certificates/${t.sealSerial}`) },

  // Documents: nobody reads or signs another agency's documents — not even the system administrator.
  { route: 'POST /api/v1/documents', own: 'DDAAADDA', other: 'DDAAADDA', build: async () => ({ method: 'POST', path: '/api/v1/documents?title=Thu&series=CV', body: makeSimplePdf(), type: 'application/pdf' }) },
  { route: 'GET /api/v1/documents', own: 'DDAAADDA', other: 'DDAAADDA', build: async () => json('GET', '/api/v1/documents') },
  { route: 'GET /api/v1/documents/:id', own: 'DDAAADDA', other: 'DDDDDDDD', build: async (t) => json('GET', `/api/v1/documents/${t.draft}`) },
  { route: 'GET /api/v1/documents/:id/pdf', own: 'DDAAADDA', other: 'DDDDDDDD', build: async (t) => json('GET', `/api/v1/documents/${t.draft}/pdf`) },
  { route: 'GET /api/v1/documents/:id/revisions/:rev/pdf', own: 'DDAAADDA', other: 'DDDDDDDD', build: async (t) => json('GET', `/api/v1/documents/${t.draft}/revisions/1/pdf`) },
  { route: 'POST /api/v1/documents/sign', own: 'DDADDDDD', other: 'DDDDDDDD', build: async (t) => json('POST', '/api/v1/documents/sign', { documentIds: [await t.freshDraft()], pin: PIN }) },
  // A clerk seals only what its own leader has signed (an unsigned document is refused: documents.test.ts).
  { route: 'POST /api/v1/documents/seal', own: 'DDDADDDD', other: 'DDDDDDDD', build: async (t) => json('POST', '/api/v1/documents/seal', { documentIds: [await t.freshSigned()], pin: PIN }) },

  // Audit and webhooks
  { route: 'GET /api/v1/audit', own: 'DADDDAD' + 'A', other: 'DDDDDAD' + 'D', build: async (t) => json('GET', `/api/v1/audit?agencyId=${t.agencyId}&limit=5`) },
  { route: 'GET /api/v1/audit/verify', own: 'ADDDDADD', other: 'ADDDDADD', build: async () => json('GET', '/api/v1/audit/verify') },
  // Webhooks always belong to the caller's agency (no agency can be named): "other" asks the same.
  { route: 'POST /api/v1/webhooks', own: 'DADDDDDA', other: 'DADDDDDA', build: async () => json('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['document.sealed'] }) },
  { route: 'GET /api/v1/webhooks', own: 'DADDDDDA', other: 'DADDDDDA', build: async () => json('GET', '/api/v1/webhooks') },
  { route: 'DELETE /api/v1/webhooks/:id', own: 'DADDDDDA', other: 'DDDDDDDD', build: async (t) => json('DELETE', `/api/v1/webhooks/${await t.freshWebhook()}`) },

  // Public verification and PKI endpoints
  { route: 'POST /api/v1/verify', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async () => ({ method: 'POST', path: '/api/v1/verify', body: makeSimplePdf(), type: 'application/pdf' }) },
  { route: 'GET /crl/issuing.crl', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async () => json('GET', '/crl/issuing.crl') },
  { route: 'GET /ca/root.crt', own: 'AAAAAAAA', other: 'AAAAAAAA', build: async () => json('GET', '/ca/root.crt') },

  // Last, as they end sessions: changing one's own password (ends one's other sessions) and logging out.
  {
    route: 'POST /api/v1/me/password', own: ANY_USER, other: ANY_USER, session: 'keep',
    build: async (_t, c, f) => {
      const username = c === 'anonymous' || c === 'token' ? 'snv.officer' : LOGIN[c];
      return json('POST', '/api/v1/me/password', { current: f.passwords.get(username) ?? `pw-${username}-0123456789`, new: `${username} changed ${f.passwords.size} ${randomBytes(3).toString('hex')}` });
    },
    after: (status, c, f, req) => {
      if (status === 200 && c !== 'anonymous' && c !== 'token') f.passwords.set(LOGIN[c], (req.json as { new: string }).new);
    },
  },
  { route: 'POST /api/v1/auth/logout', own: ANY_USER, other: ANY_USER, session: 'discard', build: async () => json('POST', '/api/v1/auth/logout') },
];

let currentFixture: Fixture;
/** Agency changes must start after the current version began and not in the future: tick the frozen clock. */
function nextSecond(): string {
  const c = currentFixture.s.clock;
  c.set(new Date(c.now().getTime() + 1000).toISOString());
  return c.now().toISOString();
}
async function freshLeaderCredential(t: Target): Promise<string> {
  const { s } = currentFixture;
  return (await issueCredential(s.ctx, { kind: 'official', agencyId: t.agencyId, userId: t.users.leader, state: 'issued' })).serial;
}
async function freshSealCredential(t: Target): Promise<string> {
  const { s } = currentFixture;
  return (await issueCredential(s.ctx, { kind: 'agency', agencyId: t.agencyId, state: 'issued' })).serial;
}

async function buildFixture(s: TestServer): Promise<Fixture> {
  const admin = await s.as('sysadmin');
  const clients = new Map<string, ApiClient>();
  const passwords = new Map<string, string>();
  const userClient = async (username: string) => {
    let c = clients.get(username);
    if (!c) { c = await new ApiClient(s.base).login(username, passwords.get(username)); clients.set(username, c); }
    return c;
  };
  const expectOk = async (p: Promise<{ status: number; text: string; json: any }>, what: string) => {
    const r = await p;
    assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
    return r.json;
  };
  const authenticators = new Map<string, SoftAuthenticator>();
  const passkeyIds = new Map<string, string>();
  const registerPasskey = async (username: string): Promise<string> => {
    const c = await userClient(username);
    const auth = authenticators.get(username) ?? new SoftAuthenticator();
    authenticators.set(username, auth);
    const o = await expectOk(c.post('/api/v1/auth/passkeys/register/options'), 'passkey options');
    const v = await expectOk(c.post('/api/v1/auth/passkeys/register/verify', { challengeId: o.challengeId, response: auth.register(o.options, s.base), name: 'test' }), 'passkey verify');
    return v.passkey?.id ?? v.id ?? auth.credentials.at(-1)!.id.toString('base64url');
  };
  let tokenSecret = '';
  const targets: Record<string, Target> = {};
  for (const slug of ['tinh', 'snv', 'stc']) {
    const agencyId = s.seed.agencies[CODES[slug]!]!;
    const users = {
      admin: s.seed.users[`${slug}.admin`]!.id, leader: s.seed.users[`${slug}.leader`]!.id,
      clerk: s.seed.users[`${slug}.clerk`]!.id, officer: s.seed.users[`${slug}.officer`]!.id,
    };
    const leaderCred = await issueCredential(s.ctx, { kind: 'official', agencyId, userId: users.leader, state: 'active' });
    await s.ctx.keys.setPin(leaderCred.keyId, PIN);
    await s.ctx.db.kysely.updateTable('credentials').set({ needs_pin: 1 }).where('serial', '=', leaderCred.serial).execute();
    const sealCred = await issueCredential(s.ctx, { kind: 'agency', agencyId, state: 'active' });
    await s.ctx.keys.setPin(sealCred.keyId, PIN);
    await s.ctx.db.kysely.updateTable('credentials').set({ needs_pin: 1 }).where('serial', '=', sealCred.serial).execute();
    const seal = await s.ctx.db.kysely.selectFrom('seals').select('id').where('agency_id', '=', agencyId).executeTakeFirstOrThrow();
    const officer = await userClient(`${slug}.officer`);
    const leader = await userClient(`${slug}.leader`);
    const agencyAdmin = await userClient(`${slug}.admin`);
    const freshDraft = async () => (await expectOk(officer.request('POST', '/api/v1/documents?title=Fixture&series=CV', { body: makeSimplePdf({ seed: randomBytes(1)[0] }) }), 'upload')).document.id as string;
    const freshSigned = async () => {
      const id = await freshDraft();
      const r = await expectOk(leader.post('/api/v1/documents/sign', { documentIds: [id], pin: PIN }), 'sign');
      assert.equal(r.results[0].ok, true, JSON.stringify(r));
      return id;
    };
    let n = 0;
    const freshRequest = async () => {
      // A new leader each time, so requests never collide on a pending target.
      const u = await expectOk(agencyAdmin.post('/api/v1/users', { username: `${slug}.l${n++}.${randomBytes(2).toString('hex')}`, fullName: 'Lãnh Đạo Mới', position: 'Phó Giám đốc', roles: ['leader'], uid: `CCCD:001085${String(100000 + Math.floor(Math.random() * 899999))}`, password: 'a long enough password' }), 'user');
      return (await expectOk(agencyAdmin.post('/api/v1/certificate-requests', { action: 'issue', kind: 'official', userId: (u.user ?? u).id }), 'request')).request.id as string;
    };
    targets[slug] = {
      slug, agencyId, users, leaderSerial: leaderCred.serial, sealSerial: sealCred.serial, sealId: seal.id,
      draft: await freshDraft(), pendingRequest: '', freshDraft, freshSigned, freshRequest,
      freshToken: async () => (await expectOk(admin.post('/api/v1/tokens', { name: `x${n++}`, scopes: ['verify'], agencyId }), 'token')).apiToken.id as string,
      freshWebhook: async () => {
        const r = await expectOk(agencyAdmin.post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['document.sealed'] }), 'webhook');
        return (r.webhook ?? r).id as string;
      },
      freshUser: async () => {
        const r = await expectOk(agencyAdmin.post('/api/v1/users', { username: `${slug}.u${n++}.${randomBytes(2).toString('hex')}`, fullName: 'Người Mới', position: 'Chuyên viên', roles: ['officer'], password: 'a long enough password' }), 'user');
        return (r.user ?? r).id as string;
      },
      freshAgency: async () => {
        const code = `0${String(10 + (n % 89)).padStart(2, '0')}.${String(10 + Math.floor(Math.random() * 89))}.${String(10 + Math.floor(Math.random() * 89))}.H97`;
        n++;
        const r = await expectOk(admin.post('/api/v1/agencies', { code, name: `Ban tạm ${randomBytes(3).toString('hex')}`, shortName: 'BT', level: 'department', parentId: targets.tinh?.agencyId ?? agencyId }), 'agency');
        return (r.agency ?? r).id as string;
      },
    };
    targets[slug]!.pendingRequest = await freshRequest();
  }
  // Passkeys for the people who approve with them, and the token.
  for (const c of ['leader', 'clerk'] as const) await registerPasskey(LOGIN[c]);
  const t = await expectOk((await userClient('snv.admin')).post('/api/v1/tokens', { name: 'matrix', scopes: [...SCOPES] }), 'token');
  tokenSecret = t.token;
  // Passkeys of the officers, for the public passkey-login row.
  for (const slug of ['tinh', 'snv', 'stc']) await registerPasskey(`${slug}.officer`);
  const fixture: Fixture = {
    s, targets, authenticators, passwords,
    async freshClient(c) {
      if (c === 'anonymous' || c === 'token') return fixture.client(c);
      return new ApiClient(s.base).login(LOGIN[c], passwords.get(LOGIN[c]));
    },
    adopt(c, client) { clients.set(LOGIN[c as keyof typeof LOGIN], client); },
    async client(c) {
      if (c === 'anonymous') return s.anonymous();
      if (c === 'token') { const a = s.anonymous(); a.bearer = tokenSecret; return a; }
      return userClient(LOGIN[c]);
    },
    async passkeyOf(c) {
      const username = c === ('stc-officer' as Caller) ? 'stc.officer' : c === 'anonymous' || c === 'token' ? 'snv.officer' : LOGIN[c];
      // A fresh passkey each time (the row deletes it).
      const id = await registerPasskey(username);
      passkeyIds.set(username, id);
      const list = (await (await userClient(username)).get('/api/v1/auth/passkeys')).json.passkeys as Array<{ id: string }>;
      return list.at(-1)!.id;
    },
  };
  return fixture;
}

function outcome(status: number): 'A' | 'D' | '?' {
  if (status >= 200 && status < 300) return 'A';
  if (status === 401 || status === 403 || status === 404) return 'D';
  return '?';
}

for (const dialect of DIALECTS) {
  describe(`access-control matrix (${dialect})`, () => {
    let f: Fixture;
    before(async () => {
      const s = await startTestServer(dialect);
      currentFixture = { s } as Fixture;
      f = await buildFixture(s);
      currentFixture = f;
    });
    after(async () => { await f?.s.close(); });

    test('the table names every API route', () => {
      const named = new Set(ROWS.map((r) => r.route));
      const missing = ALL_ROUTES.map((r) => `${r.method} ${r.url}`).filter((r) => !named.has(r));
      assert.deepEqual(missing, []);
    });

    test('every route × every role × own / other agency', { timeout: 600_000 }, async () => {
      const mismatches: string[] = [];
      const table: string[] = [];
      for (const row of ROWS) {
        for (const where of ['own', 'other'] as const) {
          const expected = row[where];
          assert.equal(expected.length, CALLERS.length, `${row.route} ${where}: one letter per caller`);
          // Rows that log in afresh hit per-IP rate limits (all callers come from 127.0.0.1): a new minute each.
          if (row.session) f.s.clock.set(new Date(f.s.clock.now().getTime() + 61_000).toISOString());
          let got = '';
          const details: string[] = [];
          for (const [i, caller] of CALLERS.entries()) {
            const target = f.targets[where === 'own' ? OWN_SLUG[caller] : 'stc']!;
            const req = await row.build(target, caller, f);
            const client = row.session ? await f.freshClient(caller) : await f.client(caller);
            const r = await client.request(req.method, req.path, { json: req.json, body: req.body, type: req.type });
            row.after?.(r.status, caller, f, req);
            if (row.session === 'keep' && caller !== 'anonymous' && caller !== 'token') f.adopt(caller, client);
            const o = outcome(r.status);
            got += o;
            if (o !== expected[i]) details.push(`${caller}: ${r.status} ${r.text.slice(0, 160)}`);
          }
          table.push(`${row.route.padEnd(52)} ${where.padEnd(5)} ${got}`);
          if (got !== expected) mismatches.push(`${row.route} (${where}): expected ${expected}, got ${got}\n    ${details.join('\n    ')}`);
        }
      }
      if (process.env.KYSO_PRINT_MATRIX) console.log(`${''.padEnd(58)} ${CALLERS.map((c) => c[0]).join('')}\n${table.join('\n')}`);
      assert.equal(mismatches.length, 0, `callers: ${CALLERS.join(', ')}\n${mismatches.join('\n')}`);
    });
  });
}

