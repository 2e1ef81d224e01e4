import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { DIALECTS, PG_URL } from '@kyso/server/services/test-ca.ts';
import { startTestServer, type TestServer } from '@kyso/server/testing/test-server.ts';
import { kyso } from './test-cli.ts';

for (const dialect of DIALECTS) {
  describe(`kyso audit (${dialect})`, () => {
    let s: TestServer;
    let where: string[];
    let out: string;
    before(async () => {
      s = await startTestServer(dialect);
      out = mkdtempSync(join(tmpdir(), 'kyso-audit-cli-'));
      where = ['--data', s.config.dataDir];
      if (dialect === 'postgres') {
        // The server's own configuration says which schema; the CLI reads it from DATA/kyso.config.json.
        writeFileSync(join(s.config.dataDir, 'kyso.config.json'), JSON.stringify({ dbSchema: s.config.dbSchema }));
        where.push('--db', PG_URL);
      }
      await s.as('snv.leader');
      await s.as('auditor');
    });
    after(async () => {
      await s?.close();
      rmSync(out, { recursive: true, force: true });
    });

    const entryCount = async () => (await s.ctx.db.kysely.selectFrom('audit_log').select('seq').execute()).length;

    test('verify: an intact chain, exit 0', async () => {
      const n = await entryCount();
      const r = await kyso('audit', 'verify', ...where);
      assert.equal(r.code, 0, r.stderr);
      const m = /^audit log OK: (\d+) entries, last hash ([0-9a-f]{64})\n$/.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.equal(Number(m[1]), n);
      const last = await s.ctx.db.kysely.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
      assert.equal(m[2], last.hash);
    });

    test('export: JSON Lines an outsider can re-check, written atomically, never over a file', async () => {
      const n = await entryCount();
      const file = join(out, 'audit.jsonl');
      const r = await kyso('audit', 'export', ...where, '--out', file);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`exported ${n} audit entries \\(1–${n}\\) to `));
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, n);
      let prev = '0'.repeat(64);
      for (const [i, e] of lines.entries()) {
        assert.equal(e.seq, i + 1);
        assert.equal(e.prev_hash, prev);
        const recomputed = createHash('sha256').update(JSON.stringify([e.seq, e.at, e.actor, e.agency_id, e.action, e.target, JSON.stringify(e.details), e.prev_hash])).digest('hex');
        assert.equal(recomputed, e.hash, `entry ${e.seq}`);
        prev = e.hash;
      }
      assert.ok(lines.some((e) => e.action === 'auth.login' && e.target === 'snv.leader'));
      // From a sequence number, to stdout.
      const part = await kyso('audit', 'export', ...where, '--from', '3');
      assert.equal(part.code, 0, part.stderr);
      const partLines = part.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(partLines[0].seq, 3);
      assert.equal(partLines.length, n - 2);
      // An existing file is not overwritten; no temporary file is left behind.
      const again = await kyso('audit', 'export', ...where, '--out', file);
      assert.equal(again.code, 73);
      assert.match(again.stderr, /already exists/);
      assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, n);
      assert.deepEqual(readdirSync(out), ['audit.jsonl']);
    });

    test('bad arguments and a missing database: clear errors', async () => {
      const zero = await kyso('audit', 'export', ...where, '--from', '0');
      assert.equal(zero.code, 64);
      assert.match(zero.stderr, /--from must be a positive whole number/);
      const unknown = await kyso('audit', 'check', ...where);
      assert.equal(unknown.code, 64);
      assert.match(unknown.stderr, /use verify or export/);
      const extra = await kyso('audit', 'verify', ...where, '--fix');
      assert.equal(extra.code, 64);
      const nowhere = await kyso('audit', 'verify', '--data', join(out, 'no-such-dir'));
      assert.equal(nowhere.code, 66);
      assert.match(nowhere.stderr, /no kyso database at .*no-such-dir.*kyso\.db/);
      const noFile = join(out, 'none.jsonl');
      assert.equal((await kyso('audit', 'export', '--data', join(out, 'no-such-dir'), '--out', noFile)).code, 66);
      assert.deepEqual(readdirSync(out).filter((f) => f !== 'audit.jsonl'), []);
    });

    // Last: breaks the chain on purpose.
    test('verify: an altered entry, then a missing one, exit 65 naming it', async () => {
      const db = s.ctx.db.kysely;
      if (dialect === 'sqlite') { await sql`DROP TRIGGER audit_log_no_update`.execute(db); await sql`DROP TRIGGER audit_log_no_delete`.execute(db); }
      else await sql`ALTER TABLE audit_log DISABLE TRIGGER ALL`.execute(db);
      await db.updateTable('audit_log').set({ details: '{"ip":"10.0.0.66"}' }).where('seq', '=', 2).execute();
      const altered = await kyso('audit', 'verify', ...where);
      assert.equal(altered.code, 65);
      assert.equal(altered.stdout, 'audit log BROKEN at entry 2: entry 2 was altered\n');
      await db.deleteFrom('audit_log').where('seq', '=', 1).execute();
      const missing = await kyso('audit', 'verify', ...where);
      assert.equal(missing.code, 65);
      assert.equal(missing.stdout, 'audit log BROKEN at entry 1: entry 1 is missing\n');
    });
  });
}
