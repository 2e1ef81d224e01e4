/**
 * Test support for the HTTP server: a complete `kyso serve` instance (fresh SQLite file or fresh
 * PostgreSQL schema, P-256 test CA, demo province with known passwords, frozen clock) listening on
 * a free 127.0.0.1 port that is also its public URL (so the certificates' OCSP/CRL/TSA URLs point
 * at it), and a small fetch client that keeps the session cookie and CSRF token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadServerConfig, type ServerConfig } from '../config/server-config.ts';
import { openServerContext, type ServerContext } from '../services/server-context.ts';
import { seedDemoProvince, type SeedResult } from '../services/bootstrap.ts';
import { buildServerApp } from '../http/server-app.ts';
import { FrozenClock, PG_URL } from '../services/test-ca.ts';
import { freePort } from '../services/test-pdf-pki.ts';
import { registerJobHandlers } from '../services/job-handlers.ts';

export const TEST_SERVER_CEREMONY = {
  root: { subject: 'CN=Test Root CA,O=Ủy ban nhân dân tỉnh Demo,C=VN', key: 'p256', years: 20 },
  issuing: { subject: 'CN=Test Issuing CA,O=Ủy ban nhân dân tỉnh Demo,C=VN', key: 'p256', years: 10 },
};

export const testPassword = (username: string): string => `pw-${username}-0123456789`;

export interface ApiResponse<T = any> { status: number; headers: Headers; json: T; bytes: Uint8Array; text: string }

export class ApiClient {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;
  constructor(readonly base: string) {}

  async request<T = any>(method: string, path: string, opts: { json?: unknown; body?: Uint8Array; type?: string; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.csrf && opts.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(opts.json); }
    else if (opts.body) { headers['content-type'] = opts.type ?? 'application/pdf'; body = opts.body; }
    const res = await fetch(this.base + path, { method, headers, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: any;
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('json')) { try { json = JSON.parse(text); } catch { json = undefined; } }
    return { status: res.status, headers: res.headers, json, bytes, text };
  }

  get<T = any>(path: string) { return this.request<T>('GET', path); }
  post<T = any>(path: string, json?: unknown) { return this.request<T>('POST', path, json === undefined ? {} : { json }); }

  /** Logs in; keeps the cookie and CSRF token. Throws unless 200. */
  async login(username: string, password = testPassword(username)): Promise<this> {
    const r = await this.request('POST', '/api/v1/auth/login', { json: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    const set = r.headers.getSetCookie().map((c) => c.split(';')[0]!).filter((c) => !c.endsWith('='));
    this.cookie = set.join('; ');
    this.csrf = r.json.csrfToken;
    return this;
  }
}

export interface TestServer {
  dialect: 'sqlite' | 'postgres';
  base: string;
  ctx: ServerContext;
  app: FastifyInstance;
  clock: FrozenClock;
  config: ServerConfig;
  seed: SeedResult;
  /** A client logged in as `username` (demo usernames: sysadmin, auditor, tinh.leader, snv.clerk, …). */
  as(username: string): Promise<ApiClient>;
  anonymous(): ApiClient;
  close(): Promise<void>;
}

/**
 * `shareWith`: start a second instance on the same database (schema) and data directory, with the
 * same clock and seed (multi-instance tests); closing it leaves the database and files to the first.
 */
export async function startTestServer(dialect: 'sqlite' | 'postgres', opts: { config?: Record<string, unknown>; env?: Record<string, string>; shareWith?: TestServer } = {}): Promise<TestServer> {
  const shared = opts.shareWith;
  const dataDir = shared?.config.dataDir ?? mkdtempSync(join(tmpdir(), 'kyso-serve-'));
  const port = await freePort();
  const schema = shared ? shared.config.dbSchema : dialect === 'postgres' ? `srv_${randomBytes(6).toString('hex')}` : undefined;
  const config = loadServerConfig({
    cli: { dataDir, port, host: '127.0.0.1', ...(schema ? { db: PG_URL, dbSchema: schema } : {}), logLevel: 'silent', jobPollMs: 50, ...(opts.config ?? {}) },
    env: { KYSO_CA_PASSPHRASE: 'test CA passphrase', KYSO_SERVER_SECRET: 'test server secret 0123456789', ...(opts.env ?? {}) },
  });
  const clock = shared?.clock ?? new FrozenClock(new Date(Math.floor(Date.now() / 1000) * 1000).toISOString());
  const ctx = await openServerContext(config, { clock, ceremony: TEST_SERVER_CEREMONY, logger: pino({ level: 'silent' }), pollMs: 600_000 });
  registerJobHandlers(ctx);
  const seed = shared?.seed ?? (await seedDemoProvince(ctx, { passwordFor: testPassword }))!;
  const app = buildServerApp(ctx);
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  return {
    dialect, base, ctx, app, clock, config, seed,
    as: (username) => new ApiClient(base).login(username),
    anonymous: () => new ApiClient(base),
    async close() {
      await app.close();
      await ctx.close();
      if (shared) return;
      if (schema) {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try { await c.query(`DROP SCHEMA ${schema} CASCADE`); } finally { await c.end(); }
      }
      if (!process.env.KYSO_KEEP_TEST_OUTPUT) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
