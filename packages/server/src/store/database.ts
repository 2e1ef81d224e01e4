/**
 * One database layer for both embedded SQLite (better-sqlite3) and PostgreSQL (pg), through Kysely.
 * Timestamps are ISO-8601 UTC strings in both, so ordering and comparison behave the same.
 */
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql, type Generated, type Insertable, type Transaction } from 'kysely';
import Database from 'better-sqlite3';
import pg from 'pg';
import { KysoError } from '@kyso/core';
import { migrateToLatest } from './migrations.ts';

export interface KeysTable {
  id: string;
  kind: 'encrypted-pkcs8' | 'pkcs11' | 'wrapped-pkcs8';
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

export interface AgenciesTable { id: string; code: string; parent_id: string | null; level: string; status: 'active' | 'dissolved'; created_at: string }
export interface AgencyVersionsTable {
  agency_id: string; version: number; name: string; short_name: string; parent_name: string | null;
  effective_from: string; effective_to: string | null;
  /** created | renamed | merged-into | absorbed | split-from | split-into | moved */
  change: string; details: string; created_at: string;
}
export interface UsersTable {
  id: string; username: string; full_name: string; agency_id: string; position: string;
  /** Comma-separated Role list. */
  roles: string; uid: string | null; email: string | null; password_hash: string | null;
  /** Blob of the handwritten signature image (PNG) leaders sign with. */
  signature_sha256: string | null;
  status: 'active' | 'disabled'; failed_logins: number; locked_until: string | null; created_at: string;
}
export interface PasskeysTable { credential_id: string; user_id: string; public_key: Uint8Array; counter: string | number | bigint; transports: string; name: string; created_at: string; last_used_at: string | null }
export interface AuthChallengesTable { id: string; user_id: string | null; purpose: string; challenge: string; payload: string; expires_at: string; used_at: string | null }
export interface SessionsTable { id: string; user_id: string; csrf: string; method: string; created_at: string; expires_at: string; revoked_at: string | null }
export interface ApiTokensTable { id: string; token_hash: string; agency_id: string; name: string; scopes: string; created_by: string; created_at: string; expires_at: string | null; revoked_at: string | null; last_used_at: string | null }
export interface RateLimitsTable { key: string; window_start: string; count: number }
export interface SealsTable { id: string; agency_id: string; blob_sha256: string; diameter_mm: number; valid_from: string; valid_to: string | null; created_by: string; created_at: string }
export interface CredentialsTable {
  serial: string; kind: 'official' | 'agency'; agency_id: string; user_id: string | null; key_id: string;
  needs_pin: number; state: 'issued' | 'active' | 'superseded'; activated_at: string | null; created_at: string;
}
export interface CertRequestsTable {
  id: string; action: 'issue' | 'renew' | 'suspend' | 'resume' | 'revoke'; kind: 'official' | 'agency';
  agency_id: string; user_id: string | null; serial: string | null; params: string;
  status: 'pending' | 'approved' | 'rejected' | 'completed' | 'failed';
  requested_by: string; requested_at: string; decided_by: string | null; decided_at: string | null;
  decision_reason: string | null; result_serial: string | null; error: string | null;
}
export interface DocumentsTable {
  id: string; agency_id: string; agency_version: number; kind: 'document' | 'attachment'; parent_id: string | null;
  title: string; series: string; status: 'draft' | 'signed' | 'sealed'; blob_sha256: string; original_sha256: string;
  filename: string; created_by: string; created_at: string; updated_at: string; revision: number;
  signed_by: string | null; signed_at: string | null; sealed_by: string | null; sealed_at: string | null;
  number: number | null; number_year: number | null; number_text: string | null; doc_date: string | null;
}
export interface DocumentEventsTable { document_id: string; revision: number; action: string; actor: string; blob_sha256: string; details: string; at: string }
export interface AuditLogTable { seq: string | number | bigint; at: string; actor: string; agency_id: string | null; action: string; target: string | null; details: string; prev_hash: string; hash: string }
export interface JobsTable {
  id: string; kind: string; payload: string; dedupe_key: string | null; status: 'queued' | 'running' | 'done' | 'failed';
  run_at: string; attempts: number; max_attempts: number; locked_by: string | null; locked_until: string | null;
  last_error: string | null; created_at: string; finished_at: string | null;
}
export interface WebhooksTable { id: string; agency_id: string; url: string; secret_enc: string; events: string; active: number; created_by: string; created_at: string }

export interface KysoDatabase {
  agencies: AgenciesTable;
  agency_versions: AgencyVersionsTable;
  users: UsersTable;
  passkeys: PasskeysTable;
  auth_challenges: AuthChallengesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  rate_limits: RateLimitsTable;
  seals: SealsTable;
  credentials: CredentialsTable;
  cert_requests: CertRequestsTable;
  documents: DocumentsTable;
  document_events: DocumentEventsTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  webhooks: WebhooksTable;
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
  /** PostgreSQL schema the tables live in (undefined for SQLite). */
  schema?: string;
  /** SQLite only: better-sqlite3's own API, for `sqliteWrite` (hot paths). */
  sqlite?: SqliteHandle;
  close(): Promise<void>;
}

/** better-sqlite3 with its statement cache (see withStatementCache). */
export interface SqliteHandle { prepare(sql: string): Database.Statement; transaction<T>(fn: () => T): () => T }

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
    const current = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(kysely)).rows[0]?.s ?? 'public';
    const db: Db = { kysely, dialect: 'postgres', schema: schema ?? current, close: () => kysely.destroy() };
    await migrateToLatest(db, schema);
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
  const handle = withStatementCache(sqlite);
  const kysely = new Kysely<KysoDatabase>({ dialect: new SqliteDialect({ database: handle }) });
  const db: Db = { kysely, dialect: 'sqlite', sqlite: handle, close: () => kysely.destroy() };
  if (!opts.readonly) await migrateToLatest(db);
  return db;
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable, so keep them per SQL
 * text (bounded). Saves the parse/plan cost on the CA's hot path.
 */
function withStatementCache(sqlite: Database.Database): SqliteHandle & { close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    transaction: (fn) => sqlite.transaction(fn),
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

/**
 * Serialises writers of one hash chain (audit log, issuance log) across server instances: a
 * transaction-scoped PostgreSQL advisory lock, held until the transaction ends. SQLite has a single
 * writer already, so nothing is needed there.
 */
export async function lockChainForTransaction(trx: Transaction<KysoDatabase>, dialect: Dialect, key: number): Promise<void> {
  if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${key})`.execute(trx);
}

const insertText = new Map<string, string>();

/**
 * One INSERT on a hot path (certificate issuance, the hash-chained logs), run as a compiled query:
 * the SQL text is built once per dialect, table and column list, so Kysely's query builder (about
 * 50 µs a query on this machine, a third of an issuance's database time) is skipped. The values
 * bound are the ones the builder would bind; columns whose value is undefined are left out, as the
 * builder does.
 */
export async function insertRow<T extends keyof KysoDatabase & string>(db: Kysely<KysoDatabase>, dialect: Dialect, table: T, row: Insertable<KysoDatabase[T]>): Promise<void> {
  const { text, values } = compiledInsert(dialect, table, row as Record<string, unknown>);
  await db.executeQuery(CompiledQuery.raw(text, values));
}

function compiledInsert(dialect: Dialect, table: string, row: Record<string, unknown>): { text: string; values: unknown[] } {
  const cols = Object.keys(row).filter((c) => row[c] !== undefined);
  const key = `${dialect}\u0000${table}\u0000${cols.join(',')}`;
  let text = insertText.get(key);
  if (text === undefined) {
    if (![table, ...cols].every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new KysoError('internal', `unexpected identifier in an insert into ${table}`);
    const marks = cols.map((_, i) => (dialect === 'postgres' ? `$${i + 1}` : '?'));
    text = `insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) values (${marks.join(', ')})`;
    insertText.set(key, text);
  }
  return { text, values: cols.map((c) => row[c]) };
}

/**
 * One synchronous SQLite transaction through better-sqlite3 directly — for the CA's issuance record,
 * where Kysely's asynchronous transaction plumbing costs ~60 µs against ~110 µs of SQLite work. It
 * holds Kysely's connection while it runs, so it never interleaves with a Kysely transaction that
 * is waiting between two statements; `insert` builds the same INSERTs as insertRow.
 */
export interface SqliteWriter {
  insert<N extends keyof KysoDatabase & string>(table: N, row: Insertable<KysoDatabase[N]>): void;
  get<R>(sqlText: string): R | undefined;
}

export async function sqliteWrite<T>(db: Db, fn: (w: SqliteWriter) => T): Promise<T> {
  const handle = db.sqlite;
  if (!handle) throw new KysoError('internal', 'sqliteWrite needs an SQLite database');
  const writer: SqliteWriter = {
    insert(table, row) {
      const { text, values } = compiledInsert('sqlite', table, row as Record<string, unknown>);
      handle.prepare(text).run(values);
    },
    get: <R>(sqlText: string) => handle.prepare(sqlText).get() as R | undefined,
  };
  return db.kysely.connection().execute(async () => handle.transaction(() => fn(writer))());
}

export { sql };
