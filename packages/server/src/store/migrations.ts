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
];

class Provider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of MIGRATIONS) out[name] = { up: (db) => up(db, this.dialect) };
    return out;
  }
}

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: new Provider(db.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new KysoError('io', `database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}
