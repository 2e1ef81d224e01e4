/**
 * `kyso audit verify|export [--data DIR] [--db URL]`: the server's audit log (issue #6), read
 * straight from its database — the SQLite file DATA/kyso.db opened read-only, or the PostgreSQL
 * database of the configuration (`--db`, KYSO_DB, or DATA/kyso.config.json with its schema) — so it
 * works with the server stopped, and needs no secret.
 *  - `verify` walks the hash chain: exit 0 "audit log OK: N entries, last hash H", or exit 65
 *    "audit log BROKEN at entry N: reason" naming the first altered or missing entry.
 *  - `export [--out FILE] [--from SEQ]` writes JSON Lines, one entry a line, with `prev_hash` and
 *    `hash`, so anyone can re-check the chain without kyso: hash = SHA-256 (hex) of the UTF-8 JSON
 *    array [seq, at, actor, agency_id, action, target, JSON.stringify(details), prev_hash], and each
 *    prev_hash is the previous line's hash (the first entry's is 64 zeros). --out is written
 *    atomically (a temporary file renamed into place) and never overwrites a file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KysoError } from '@kyso/core';
import { loadServerConfig } from '@kyso/server/config/server-config.ts';
import { openDatabase, type Db } from '@kyso/server/store/database.ts';
import { readAuditLog, verifyAuditLog } from '@kyso/server/services/audit-log.ts';
import { AtomicFiles } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

const WHERE = { data: { type: 'string' }, db: { type: 'string' } } as const;

async function withAuditDb<T>(v: { data?: string; db?: string }, fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadServerConfig({ cli: { dataDir: v.data, db: v.db }, env: process.env });
  const url = config.db ?? join(config.dataDir, 'kyso.db');
  const postgres = /^postgres(ql)?:\/\//.test(url);
  if (!postgres && !existsSync(url)) throw new KysoError('not-found', `no kyso database at ${url}: give the server's data directory (--data DIR) or its database (--db URL)`);
  const db = await openDatabase(postgres ? { url, schema: config.dbSchema } : { url, readonly: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function auditCommand(args: string[], out: Out): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'verify': {
      const { values: v } = parse(rest, WHERE);
      const r = await withAuditDb(v, (db) => verifyAuditLog(db.kysely));
      if (r.ok) { out.stdout(`audit log OK: ${r.entries} entries, last hash ${r.lastHash}\n`); return EXIT.ok; }
      out.stdout(`audit log BROKEN at entry ${r.brokenAt}: ${r.reason}\n`);
      return EXIT.data;
    }
    case 'export': {
      const { values: v } = parse(rest, { ...WHERE, out: { type: 'string' }, from: { type: 'string' } });
      if (v.from !== undefined && (!/^\d+$/.test(v.from) || Number(v.from) < 1)) throw new KysoError('invalid-argument', `--from must be a positive whole number, got "${v.from}"`);
      const files = v.out ? new AtomicFiles() : undefined;
      if (v.out) files!.reserve(v.out);
      try {
        const r = await withAuditDb(v, async (db) => {
          let n = 0, first = 0, last = 0, chunk = '';
          const flush = () => { if (files) files.write(v.out!, chunk); else out.stdout(chunk); chunk = ''; };
          for await (const e of readAuditLog(db.kysely, { fromSeq: v.from ? Number(v.from) : 1 })) {
            chunk += JSON.stringify({ seq: e.seq, at: e.at, actor: e.actor, agency_id: e.agencyId, action: e.action, target: e.target, details: e.details, prev_hash: e.prevHash, hash: e.hash }) + '\n';
            if (n++ === 0) first = e.seq;
            last = e.seq;
            if (chunk.length >= 1 << 20) flush();
          }
          if (chunk) flush();
          return { n, first, last };
        });
        files?.commit();
        out.stderr(`exported ${r.n} audit entries${r.n ? ` (${r.first}–${r.last})` : ''}${v.out ? ` to ${v.out}` : ''}\n`);
        return EXIT.ok;
      } catch (e) {
        files?.abort();
        throw e;
      }
    }
    default:
      throw new KysoError('invalid-argument', `unknown command "audit ${sub ?? ''}": use verify or export`);
  }
}
