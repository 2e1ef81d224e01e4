/**
 * Schema migrations: one list for SQLite and PostgreSQL. Each migration gets the dialect so the few
 * differences (binary type, trigger syntax) are spelled out in one place.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { KysoError } from '@kyso/core';
import type { Db, Dialect } from './database.ts';

type Up = (db: Kysely<any>, dialect: Dialect) => Promise<void>;

const binary = (d: Dialect) => (d === 'postgres' ? 'bytea' : 'blob');

/** Appends-only guard: UPDATE and DELETE raise an error. */
async function appendOnly(db: Kysely<any>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql.raw(`CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`).execute(db);
    }
  } else {
    await sql.raw(`CREATE OR REPLACE FUNCTION kyso_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`).execute(db);
    await sql.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION kyso_append_only()`).execute(db);
    await sql.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION kyso_append_only()`).execute(db);
  }
}

const MIGRATIONS: Array<[string, Up]> = [
  ['0001_ca', async (db, d) => {
    await db.schema.createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('encrypted_pem', 'text')
      .addColumn('pkcs11', 'text')
      .addColumn('spki', binary(d), (c) => c.notNull())
      .addColumn('key_spec', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('cas')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('cert_der', binary(d), (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('certificates')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('ca_id', 'text', (c) => c.notNull().references('cas.id'))
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('uid', 'text')
      .addColumn('agency_code', 'text')
      .addColumn('key_spec', 'text', (c) => c.notNull())
      .addColumn('spki_sha256', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_changed_at', 'text')
      .addColumn('revocation_reason', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('replaces', 'text')
      .addColumn('der', binary(d), (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('certificates_ca_status').on('certificates').columns(['ca_id', 'status']).execute();
    await db.schema.createIndex('certificates_subject').on('certificates').column('subject').execute();
    await db.schema.createTable('issuance_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('serial', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await appendOnly(db, d, 'issuance_log');
  }],
  ['0002_revocation', async (db, d) => {
    await db.schema.createTable('crls')
      .addColumn('ca_id', 'text', (c) => c.notNull())
      .addColumn('crl_number', 'bigint', (c) => c.notNull())
      .addColumn('this_update', 'text', (c) => c.notNull())
      .addColumn('next_update', 'text', (c) => c.notNull())
      .addColumn('entries_sha256', 'text', (c) => c.notNull())
      .addColumn('der', binary(d), (c) => c.notNull())
      .addPrimaryKeyConstraint('crls_pk', ['ca_id', 'crl_number'])
      .execute();
    await db.schema.createTable('counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('certificates_status_changed').on('certificates').column('status_changed_at').execute();
  }],
  ['0003_server', async (db, d) => {
    // Agencies: identity (code, tree) and dated versions (renamed, merged, split — Decree 30 names).
    await db.schema.createTable('agencies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('parent_id', 'text', (c) => c.references('agencies.id'))
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('agency_versions')
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('short_name', 'text', (c) => c.notNull())
      .addColumn('parent_name', 'text')
      .addColumn('effective_from', 'text', (c) => c.notNull())
      .addColumn('effective_to', 'text')
      .addColumn('change', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('agency_versions_pk', ['agency_id', 'version'])
      .execute();
    await db.schema.createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('full_name', 'text', (c) => c.notNull())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('position', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('uid', 'text')
      .addColumn('email', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('signature_sha256', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('users_agency').on('users').column('agency_id').execute();
    await db.schema.createTable('passkeys')
      .addColumn('credential_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('public_key', binary(d), (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull())
      .addColumn('transports', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createTable('auth_challenges')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('challenge', 'text', (c) => c.notNull().unique())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('csrf', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createTable('rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createTable('seals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('blob_sha256', 'text', (c) => c.notNull())
      .addColumn('diameter_mm', 'real', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // Signing credentials: a certificate bound to its holder (official or agency seal) and its key.
    await db.schema.createTable('credentials')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('needs_pin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('activated_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('cert_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('user_id', 'text')
      .addColumn('serial', 'text')
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('result_serial', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('cert_requests_status').on('cert_requests').columns(['status', 'agency_id']).execute();
    await db.schema.createTable('documents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('agency_version', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('series', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('blob_sha256', 'text', (c) => c.notNull())
      .addColumn('original_sha256', 'text', (c) => c.notNull())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('signed_by', 'text')
      .addColumn('signed_at', 'text')
      .addColumn('sealed_by', 'text')
      .addColumn('sealed_at', 'text')
      .addColumn('number', 'integer')
      .addColumn('number_year', 'integer')
      .addColumn('number_text', 'text')
      .addColumn('doc_date', 'text')
      .execute();
    await db.schema.createIndex('documents_agency').on('documents').columns(['agency_id', 'status']).execute();
    await db.schema.createIndex('documents_number').on('documents').columns(['agency_id', 'number_year', 'series', 'number']).unique().execute();
    await db.schema.createTable('document_events')
      .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id'))
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('blob_sha256', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_events_pk', ['document_id', 'revision'])
      .execute();
    await db.schema.createTable('audit_log')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('agency_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await appendOnly(db, d, 'audit_log');
    await db.schema.createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'text', (c) => c.unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    await db.schema.createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agency_id', 'text', (c) => c.notNull().references('agencies.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  }],
  ['0004_certificate_indexes', async (db) => {
    // Issuance writes a row per certificate; each index it must update costs ~25 µs there. The CRL
    // (revoked and suspended certificates) and the "changed since" poll only ever look at
    // certificates whose status changed, so their indexes hold only those rows (partial indexes:
    // the queries say `status_changed_at IS NOT NULL`, or compare it, which implies it). The subject
    // index served no query: searches are LIKE '%…%'.
    await db.schema.dropIndex('certificates_subject').execute();
    await db.schema.dropIndex('certificates_ca_status').execute();
    await db.schema.dropIndex('certificates_status_changed').execute();
    await db.schema.createIndex('certificates_changed_ca_status').on('certificates').columns(['ca_id', 'status'])
      .where(sql.ref('status_changed_at'), 'is not', null).execute();
    await db.schema.createIndex('certificates_changed_at').on('certificates').column('status_changed_at')
      .where(sql.ref('status_changed_at'), 'is not', null).execute();
  }],
];

class Provider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of MIGRATIONS) out[name] = { up: (db) => up(db, this.dialect) };
    return out;
  }
}

/**
 * `schema`: the PostgreSQL schema the tables live in. Named explicitly so that Kysely looks for its
 * migration tables there only — its check otherwise finds another schema's (a concurrent test
 * server's) and skips creating them here.
 */
export async function migrateToLatest(db: Db, schema?: string): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: new Provider(db.dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new KysoError('io', `database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}
