/**
 * `kyso serve` as a user meets it: first start on an empty data directory creates the CA and the
 * demo province and prints the logins once; the printed password logs in; a second start on the
 * same data prints none and keeps everything; bad configuration is listed and nothing starts.
 * SQLite by default, PostgreSQL through the config file.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL } from '@kyso/server/services/test-ca.ts';
import { serveCommand } from './serve.ts';
import { freePort, kyso } from './test-cli.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(args: string[], env: Record<string, string>) {
  const stop = new AbortController();
  let out = '';
  const sink = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { out += s; } };
  const done = serveCommand(args, sink, { signal: stop.signal, env: { KYSO_LOG_LEVEL: 'silent', ...env } });
  for (let i = 0; i < 1200 && !/listening on|kyso: |Error/.test(out); i++) {
    await sleep(50);
    if (await Promise.race([done.then(() => true, () => true), sleep(0).then(() => false)])) break;
  }
  return { stop: async () => { stop.abort(); return done; }, out: () => out, done };
}

async function login(base: string, username: string, password: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return r.status;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`kyso serve (${dialect})`, () => {
    const data = mkdtempSync(join(tmpdir(), 'kyso-serve-cli-'));
    const schema = `cli_${randomBytes(5).toString('hex')}`;
    after(async () => {
      rmSync(data, { recursive: true, force: true });
      if (dialect === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await c.end(); }
      }
    });

    test('first start creates the CA and demo province and prints the logins once; restart keeps them', async () => {
      if (dialect === 'postgres') writeFileSync(join(data, 'kyso.config.json'), JSON.stringify({ db: PG_URL, dbSchema: schema }));
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const first = await start(['--data', data, '--port', String(port)], {});
      try {
        assert.match(first.out(), new RegExp(`listening on ${base.replace(/\./g, '\\.')} \\(database: ${dialect}`));
        const m = /^ {2}sysadmin +(\S+)$/m.exec(first.out());
        assert.ok(m, first.out());
        assert.match(first.out(), /tinh\.leader/);
        assert.equal((await fetch(`${base}/api/v1/health`)).status, 200);
        assert.equal(await login(base, 'sysadmin', m[1]!), 200);
        // The certificates carry this server's URLs: its CRL is served.
        assert.equal((await fetch(`${base}/crl/issuing.crl`)).status, 200);
        assert.equal((await fetch(`${base}/api/docs`)).status, 200);
        assert.equal(dialect === 'sqlite', existsSync(join(data, 'kyso.db')));
        assert.ok(existsSync(join(data, 'secrets.json')));
        assert.ok(readdirSync(join(data, 'blobs')).length > 1, 'seal and signature images in the document store');
        assert.equal(await first.stop(), 0);
        const second = await start(['--data', data, '--port', String(port)], {});
        try {
          assert.match(second.out(), /listening on/);
          assert.doesNotMatch(second.out(), /sysadmin/);
          assert.equal(await login(base, 'sysadmin', m[1]!), 200);
        } finally { assert.equal(await second.stop(), 0); }
      } finally { await first.stop(); }
    });
  });
}

describe('kyso serve refuses bad configuration', () => {
  test('every problem listed, exit 64, nothing created', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'kyso-serve-bad-')), 'never');
    const r = await kyso('serve', '--data', data, '--port', 'abc');
    assert.equal(r.code, 64);
    assert.match(r.stderr, /--port must be a number/);
    const cfg = join(tmpdir(), `kyso-bad-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(cfg, JSON.stringify({ maxUploadBytes: 1, defaultLevel: 'B-B', serverSecret: 'x'.repeat(20) }));
    const r2 = await kyso('serve', '--data', data, '--config', cfg);
    rmSync(cfg);
    assert.equal(r2.code, 64);
    assert.match(r2.stderr, /invalid configuration/);
    assert.match(r2.stderr, /maxUploadBytes/);
    assert.match(r2.stderr, /defaultLevel/);
    assert.match(r2.stderr, /serverSecret must not be in the config file/);
    assert.equal(existsSync(data), false);
  });
});
