/**
 * Crash safety of batch signing and sealing: a real `kyso serve` child process, killed with SIGKILL
 * in the middle of a batch of ten, then started again on the same data. Whatever moment the kill
 * hit, every document's current PDF is in the document store and opens, no blob sits under a name
 * that is not its hash, statuses agree with revisions and the document_events history, every event
 * has its audit entry, the audit chain verifies, no number is taken twice — and running the same
 * batch again finishes the rest, a document numbered before the crash keeping its number (Decree
 * 30/2020/NĐ-CP, Art. 15: a number is unique within the year, never reused). SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { makeSimplePdf, repoRoot } from '@kyso/testkit';
import { openPdfForUpdate } from '@kyso/core/pdf/pdf-signature.ts';
import { DIALECTS, PG_URL } from '../../../services/test-ca.ts';
import { freePort } from '../../../services/test-pdf-pki.ts';
import { loadServerConfig } from '../../../config/server-config.ts';
import { openServerContext } from '../../../services/server-context.ts';
import { seedDemoProvince } from '../../../services/bootstrap.ts';
import { issueCredential } from '../../../services/credentials.ts';
import { verifyAuditLog } from '../../../services/audit-log.ts';
import { FileBlobStore } from '../../../blobs/blob-store.ts';
import { sha256Hex } from '../../../crypto/node-crypto.ts';
import { openDatabase, type Db } from '../../../store/database.ts';
import { ApiClient, TEST_SERVER_CEREMONY, testPassword } from '../../../testing/test-server.ts';

const ENV = { KYSO_CA_PASSPHRASE: 'crash test CA passphrase', KYSO_SERVER_SECRET: 'crash test server secret 0123456789', KYSO_LOG_LEVEL: 'silent' };
const PIN = '135790';
const BATCH = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The dialects run side by side: most of the time goes to starting server processes.
describe('documents survive a server crash mid-batch', { concurrency: true }, () => {
for (const dialect of DIALECTS) {
  describe(`documents survive a server crash mid-batch (${dialect})`, { concurrency: 1 }, () => {
    const data = mkdtempSync(join(tmpdir(), 'kyso-crash-'));
    const schema = dialect === 'postgres' ? `crash_${randomBytes(5).toString('hex')}` : undefined;
    let port: number;
    let base: string;
    let child: ChildProcess | undefined;
    let db: Db;
    let ids: string[] = [];
    let snvAgency: string;

    /** Starts `kyso serve` on the data directory; resolves when it listens. */
    async function startServer(): Promise<void> {
      const p = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/kyso.js'), 'serve', '--data', data, '--port', String(port), '--host', '127.0.0.1'], {
        env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout!.on('data', (d) => { out += d; });
      p.stderr!.on('data', (d) => { out += d; });
      const exited = once(p, 'exit').then(([code]) => { throw new Error(`kyso serve exited (${code}) before listening:\n${out}`); });
      for (;;) {
        if (/listening on/.test(out)) break;
        await Promise.race([sleep(25), exited]);
      }
      exited.catch(() => undefined);
      child = p;
    }

    async function killServer(): Promise<void> {
      const p = child!;
      child = undefined;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = once(p, 'exit');
      p.kill('SIGKILL');
      await gone;
    }

    /**
     * Polls the database until `cond` holds, then kills the server at once; fails if the batch
     * request ends first (it would have finished, or failed, without a crash to survive).
     */
    async function killWhen(batch: Promise<unknown>, cond: () => Promise<boolean>): Promise<void> {
      let ended: unknown;
      void batch.then((r) => { ended ??= r; });
      for (;;) {
        if (await cond()) { await killServer(); return; }
        if (ended !== undefined) throw new Error(`the batch ended before the crash: ${ended instanceof Error ? ended.message : (ended as { text: string }).text}`);
        await sleep(2);
      }
    }

    const count = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
    const eventCount = (action: string) => count(db.kysely.selectFrom('document_events').select((eb) => eb.fn.countAll().as('n')).where('action', '=', action).where('document_id', 'in', ids).executeTakeFirst());
    const numberedCount = () => count(db.kysely.selectFrom('documents').select((eb) => eb.fn.countAll().as('n')).where('number', 'is not', null).where('id', 'in', ids).executeTakeFirst());

    /** Everything that must hold whatever moment the crash hit. */
    async function checkConsistent(): Promise<Map<string, { status: string; number: number | null }>> {
      const blobs = new FileBlobStore(join(data, 'blobs'));
      // No blob under a name that is not its hash (blobs are written to tmp/, fsync'ed, renamed).
      for (const dir of readdirSync(join(data, 'blobs')).filter((d) => d !== 'tmp')) {
        for (const f of readdirSync(join(data, 'blobs', dir))) assert.equal(sha256Hex(readFileSync(join(data, 'blobs', dir, f))), dir + f, `blob ${dir}/${f} is damaged`);
      }
      const rows = await db.kysely.selectFrom('documents').selectAll().where('id', 'in', ids).execute();
      assert.equal(rows.length, BATCH);
      const expected: Record<string, string[]> = { draft: ['uploaded'], signed: ['uploaded', 'signed'], sealed: ['uploaded', 'signed', 'sealed'] };
      const out = new Map<string, { status: string; number: number | null }>();
      for (const r of rows) {
        await openPdfForUpdate(await blobs.get(r.blob_sha256));
        const events = await db.kysely.selectFrom('document_events').selectAll().where('document_id', '=', r.id).orderBy('revision').execute();
        assert.deepEqual(events.map((e) => [Number(e.revision), e.action]), expected[r.status]!.map((a, i) => [i + 1, a]), `document ${r.id} is ${r.status} at revision ${r.revision}`);
        assert.equal(Number(r.revision), events.length);
        assert.equal(events.at(-1)!.blob_sha256, r.blob_sha256);
        assert.equal(r.status === 'draft', r.signed_by === null);
        if (r.status === 'sealed') assert.ok(r.number !== null && r.sealed_by !== null);
        for (const e of events) {
          const audit = await db.kysely.selectFrom('audit_log').select('details').where('action', '=', `document.${e.action}`).where('target', '=', r.id).execute();
          assert.equal(audit.filter((a) => JSON.parse(a.details).revision === Number(e.revision)).length, 1, `the ${e.action} of ${r.id} has its one audit entry`);
        }
        out.set(r.id, { status: r.status, number: r.number === null ? null : Number(r.number) });
      }
      const numbers = [...out.values()].map((v) => v.number).filter((n) => n !== null);
      assert.equal(new Set(numbers).size, numbers.length, 'no number is taken twice');
      const audit = await verifyAuditLog(db.kysely);
      assert.ok(audit.ok, audit.reason);
      return out;
    }

    before(async () => {
      port = await freePort();
      base = `http://127.0.0.1:${port}`;
      // B-LT: each signature also fetches OCSP responses and CRLs, so a batch of ten takes long enough to be cut.
      writeFileSync(join(data, 'kyso.config.json'), JSON.stringify({ defaultLevel: 'B-LT', ...(schema ? { db: PG_URL, dbSchema: schema } : {}) }));
      // The installation as its operators would prepare it: CA, directory, both signing keys under PINs.
      const config = loadServerConfig({ cli: { dataDir: data, port, host: '127.0.0.1' }, env: ENV });
      const ctx = await openServerContext(config, { ceremony: TEST_SERVER_CEREMONY, logger: pino({ level: 'silent' }) });
      try {
        const seed = (await seedDemoProvince(ctx, { passwordFor: testPassword }))!;
        snvAgency = seed.agencies['000.01.00.H99']!;
        const leader = await issueCredential(ctx, { kind: 'official', agencyId: snvAgency, userId: seed.users['snv.leader']!.id, state: 'active' });
        const seal = await issueCredential(ctx, { kind: 'agency', agencyId: snvAgency, state: 'active' });
        await ctx.keys.setPin(leader.keyId, PIN);
        await ctx.keys.setPin(seal.keyId, PIN);
      } finally {
        await ctx.close();
      }
      db = await openDatabase({ url: schema ? PG_URL : join(data, 'kyso.db'), schema });
      await startServer();
      const officer = await new ApiClient(base).login('snv.officer');
      for (let i = 1; i <= BATCH; i++) {
        const r = await officer.request('POST', `/api/v1/documents?title=${encodeURIComponent(`Quyết định số ${i}`)}&series=QĐ`, { body: makeSimplePdf({ pages: 2, text: `Quyet dinh ${i}` }) });
        assert.equal(r.status, 201, r.text);
        ids.push(r.json.document.id);
      }
    });

    after(async () => {
      if (child) await killServer();
      await db?.close();
      if (schema) {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await c.end(); }
      }
      rmSync(data, { recursive: true, force: true });
      ids = [];
    });

    test('signing: killed after the first document is signed, consistent on restart, the same batch finishes the rest', async () => {
      const leader = await new ApiClient(base).login('snv.leader');
      const batch = leader.post('/api/v1/documents/sign', { documentIds: ids, pin: PIN }).catch((e: Error) => e);
      await killWhen(batch, async () => (await eventCount('signed')) >= 1);
      assert.ok((await batch) instanceof Error, 'the request died with the server');
      const signedAtCrash = await eventCount('signed');
      assert.ok(signedAtCrash >= 1 && signedAtCrash < BATCH, `crashed mid-batch (${signedAtCrash} of ${BATCH} signed)`);

      await startServer();
      const state = await checkConsistent();
      assert.equal([...state.values()].filter((v) => v.status === 'signed').length, signedAtCrash);
      // The session survived the restart (it is in the database); the same batch again.
      const again = await leader.post('/api/v1/documents/sign', { documentIds: ids, pin: PIN });
      assert.equal(again.status, 200, again.text);
      for (const r of again.json.results) {
        if (state.get(r.id)!.status === 'signed') assert.match(r.error.message, /already signed/);
        else assert.equal(r.ok, true, JSON.stringify(r));
      }
      const final = await checkConsistent();
      assert.ok([...final.values()].every((v) => v.status === 'signed'));
    });

    test('sealing: killed while a numbered document awaits its seal, the number kept on restart, numbers 01…10 with no gap or repeat', async () => {
      const clerk = await new ApiClient(base).login('snv.clerk');
      const batch = clerk.post('/api/v1/documents/seal', { documentIds: ids, pin: PIN }).catch((e: Error) => e);
      // The moment that matters: at least one sealed, and one more numbered but not yet sealed.
      await killWhen(batch, async () => {
        const sealed = await eventCount('sealed');
        return sealed >= 1 && (await numberedCount()) > sealed;
      });
      assert.ok((await batch) instanceof Error, 'the request died with the server');

      await startServer();
      const state = await checkConsistent();
      const pending = [...state].filter(([, v]) => v.status === 'signed' && v.number !== null);
      assert.ok(pending.length >= 1, 'a document was numbered but not sealed when the server died');
      const again = await clerk.post('/api/v1/documents/seal', { documentIds: ids, pin: PIN });
      assert.equal(again.status, 200, again.text);
      for (const r of again.json.results) {
        if (state.get(r.id)!.status === 'sealed') assert.match(r.error.message, /already sealed/);
        else assert.equal(r.ok, true, JSON.stringify(r));
      }
      const final = await checkConsistent();
      assert.ok([...final.values()].every((v) => v.status === 'sealed'));
      for (const [id, v] of pending) assert.equal(final.get(id)!.number, v.number, 'sealing again after the crash kept the number');
      assert.deepEqual([...final.values()].map((v) => v.number).sort((a, b) => a! - b!), Array.from({ length: BATCH }, (_, i) => i + 1));
      const texts = await db.kysely.selectFrom('documents').select('number_text').where('agency_id', '=', snvAgency).where('id', 'in', ids).execute();
      assert.ok(texts.every((t) => /^\d{2}\/QĐ-SNV$/.test(t.number_text ?? '')));
    });
  });
}
});
