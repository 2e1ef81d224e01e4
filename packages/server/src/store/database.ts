/**
 * One database layer for both embedded SQLite (better-sqlite3) and PostgreSQL (pg), through Kysely.
 * Timestamps are ISO-8601 UTC strings in both, so ordering and comparison behave the same.
 */
import { Kysely, PostgresDialect, SqliteDialect, sql, type Generated } from 'kysely';
import Database from 'better-sqlite3';
import pg from 'pg';
import { KysoError } from '@kyso/core';
import { migrateToLatest } from './migrations.ts';

export interface KeysTable {
  id: string;
  kind: 'encrypted-pkcs8' | 'pkcs11';
  /** PEM ENCRYPTED PRIVATE KEY for 'encrypted-pkcs8'. */
  encrypted_pem: string | null;
  /** JSON {module, token, label} for 'pkcs11'. */
  pkcs11: string | null;
  spki: Uint8Array;
  key_spec: string;
  created_at: string;
}

export interface CasTable {
  id: string;               // 'root' | 'issuing' (more issuing CAs later)
  role: 'root' | 'issuing';
  key_id: string;
  serial: string;
  cert_der: Uint8Array;
  subject: string;
  created_at: string;
}

export interface CertificatesTable {
  serial: string;           // lower-case hex, no leading zeros
  ca_id: string;
  profile: string;
  subject: string;
  uid: string | null;
  agency_code: string | null;
  key_spec: string;
  spki_sha256: string;
  not_before: string;
  not_after: string;
  status: 'good' | 'suspended' | 'revoked';
  status_changed_at: string | null;
  revocation_reason: string | null;
  revoked_at: string | null;
  /** Serial of the certificate this one renews or rekeys. */
  replaces: string | null;
  der: Uint8Array;
  created_at: string;
}

export interface IssuanceLogTable {
  seq: number;
  at: string;
  action: string;
  serial: string | null;
  details: string;          // JSON
  prev_hash: string;
  hash: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface CrlsTable {
  ca_id: string;
  crl_number: string | number | bigint;
  this_update: string;
  next_update: string;
  /** SHA-256 of the sorted entry list, to tell whether a new CRL says anything new. */
  entries_sha256: string;
  der: Uint8Array;
}

export interface CountersTable {
  name: string;
  value: string | number | bigint;
}

export interface KysoDatabase {
  crls: CrlsTable;
  counters: CountersTable;
  keys: KeysTable;
  cas: CasTable;
  certificates: CertificatesTable;
  issuance_log: IssuanceLogTable;
  settings: SettingsTable;
  kysely_placeholder?: { id: Generated<number> };
}

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<KysoDatabase>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite file path, or a postgres:// URL. */
  url: string;
  /** PostgreSQL schema to use (tests isolate themselves in one); created if missing. */
  schema?: string;
  readonly?: boolean;
}

/** Opens (and migrates) the database. */
export async function openDatabase(opts: OpenOptions): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(opts.url)) {
    const schema = opts.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new KysoError('invalid-argument', `bad schema name ${schema}`);
    const pool = new pg.Pool({ connectionString: opts.url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    if (schema) {
      const c = await pool.connect();
      try { await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`); } finally { c.release(); }
    }
    const kysely = new Kysely<KysoDatabase>({ dialect: new PostgresDialect({ pool }) });
    const db: Db = { kysely, dialect: 'postgres', close: () => kysely.destroy() };
    await migrateToLatest(db);
    return db;
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(opts.url, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    throw new KysoError('io', `cannot open database ${opts.url}: ${(e as Error).message}`, { cause: e });
  }
  if (!opts.readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<KysoDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const db: Db = { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  if (!opts.readonly) await migrateToLatest(db);
  return db;
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable, so keep them per SQL
 * text (bounded). Saves the parse/plan cost on the CA's hot path.
 */
function withStatementCache(sqlite: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(text: string) {
      let st = cache.get(text);
      if (!st) {
        st = sqlite.prepare(text);
        if (cache.size >= 500) cache.clear();
        cache.set(text, st);
      }
      return st;
    },
    close() { cache.clear(); sqlite.close(); },
  };
}

export { sql };
