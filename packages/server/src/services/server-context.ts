/**
 * Everything one `kyso serve` instance holds, opened once from the validated configuration: the
 * database (SQLite file in the data directory, or PostgreSQL), the content-addressed document store,
 * the CA and its PKI services (CRL, OCSP, TSA), the holder key store, the job runner, the logger.
 * The instance keeps no state another instance would need: sessions, counters, jobs and the audit
 * chain are in the database, documents in the blob store.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { KysoError, type Clock, type CryptoPort } from '@kyso/core';
import type { Transaction } from 'kysely';
import { openDatabase, type Db, type KysoDatabase } from '../store/database.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { FileBlobStore, type BlobStore } from '../blobs/blob-store.ts';
import { HolderKeyStore, deriveKek } from '../keys/holder-keys.ts';
import { SecretBox } from '../crypto/secret-box.ts';
import { JobRunner, enqueueJob } from '../jobs/job-queue.ts';
import { DEFAULT_CEREMONY, parseCeremony } from '../config/ceremony.ts';
import type { ServerConfig } from '../config/server-config.ts';
import { CaService, type CaDeps } from './ca-service.ts';
import { defaultLinter } from './ca-directory.ts';
import { closeCaKeyTokens } from './ca-keys.ts';
import { startPki, type Pki } from './pki.ts';
import { appendAudit, type AuditInput } from './audit-log.ts';
import { systemClock } from './system-clock.ts';

export type Trx = Transaction<KysoDatabase>;

/** A document event for webhooks (delivered by the job queue). */
export interface DomainEvent { type: string; agencyId: string; data: Record<string, unknown> }

export interface ServerContext {
  config: ServerConfig;
  db: Db;
  clock: Clock;
  crypto: CryptoPort;
  blobs: BlobStore;
  keys: HolderKeyStore;
  /** Seals small secrets the server reads back (webhook secrets), under a subkey of the KEK. */
  secretBox: SecretBox;
  ca: CaService;
  caDeps: CaDeps;
  pki: Pki;
  jobs: JobRunner;
  log: Logger;
  instanceId: string;
  /** The public base URL (CRL/OCSP/TSA URLs in certificates, WebAuthn origin). */
  publicUrl: string;
  /** Runs `fn` in one database transaction. */
  tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** Appends an audit entry inside `trx`. */
  audit(trx: Trx, entry: Omit<AuditInput, 'at'> & { at?: Date }): Promise<void>;
  /** Records a domain event inside `trx` (webhooks pick it up from the job queue). */
  emit(trx: Trx, event: DomainEvent): Promise<void>;
  close(): Promise<void>;
}

export interface ServerSecrets { caPassphrase: string; serverSecret: string }

/**
 * The CA passphrase and server secret: from the configuration (environment), else — in demo mode —
 * generated once into DATA/secrets.json (mode 0600), a laptop convenience a real deployment replaces
 * with KYSO_CA_PASSPHRASE / KYSO_SERVER_SECRET.
 */
export function resolveSecrets(config: ServerConfig): ServerSecrets & { generated: boolean } {
  if (config.caPassphrase && config.serverSecret) return { caPassphrase: config.caPassphrase, serverSecret: config.serverSecret, generated: false };
  const file = join(config.dataDir, 'secrets.json');
  if (existsSync(file)) {
    const s = JSON.parse(readFileSync(file, 'utf8')) as ServerSecrets;
    return { caPassphrase: config.caPassphrase ?? s.caPassphrase, serverSecret: config.serverSecret ?? s.serverSecret, generated: false };
  }
  if (!config.demo) throw new KysoError('invalid-argument', 'invalid configuration:\n  set KYSO_CA_PASSPHRASE and KYSO_SERVER_SECRET (or enable demo mode)');
  const s: ServerSecrets = {
    caPassphrase: config.caPassphrase ?? randomBytes(24).toString('base64url'),
    serverSecret: config.serverSecret ?? randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(s, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { ...s, generated: true };
}

export interface OpenServerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Ceremony for a fresh CA (tests use fast P-256 keys); default: the demo ceremony. */
  ceremony?: unknown;
  /** PKI poller interval, ms. */
  pollMs?: number;
  /** Extra job handlers (tests). */
  instanceId?: string;
}

export async function openServerContext(config: ServerConfig, opts: OpenServerOptions = {}): Promise<ServerContext & { firstRun: boolean }> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? pino({ level: config.logLevel });
  const secrets = resolveSecrets(config);
  const db = await openDatabase({ url: config.db ?? join(config.dataDir, 'kyso.db'), schema: config.dbSchema });
  const closers: Array<() => Promise<void> | void> = [() => db.close()];
  try {
    const publicUrl = (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');
    const caDeps: CaDeps = { db, crypto: nodeCrypto, clock, lint: defaultLinter };
    let firstRun = false;
    if (!(await CaService.isInitialised(db))) {
      const ceremony = parseCeremony({ ...((opts.ceremony ?? DEFAULT_CEREMONY) as Record<string, unknown>), baseUrl: publicUrl });
      try {
        await CaService.init(caDeps, { ceremony, secret: secrets.caPassphrase });
        firstRun = true;
      } catch (e) {
        // Another instance initialised it first: use theirs.
        if (!(await CaService.isInitialised(db))) throw e;
      }
    }
    const ca = await CaService.open(caDeps, secrets.caPassphrase);
    const pki = await startPki(caDeps, ca, { pollMs: opts.pollMs ?? 1000 });
    closers.push(() => pki.close(), () => closeCaKeyTokens());
    // KEK salt: one per installation, created by the first instance.
    await db.kysely.insertInto('settings').values({ key: 'kek.salt', value: randomBytes(16).toString('base64') })
      .onConflict((oc) => oc.column('key').doNothing()).execute();
    const salt = (await db.kysely.selectFrom('settings').select('value').where('key', '=', 'kek.salt').executeTakeFirstOrThrow()).value;
    const hsm = config.hsm ? { module: config.hsm.module, token: config.hsm.token, pin: config.hsmPin ?? '' } : undefined;
    const kek = deriveKek(secrets.serverSecret, Buffer.from(salt, 'base64'));
    const keys = new HolderKeyStore(db.kysely, kek, hsm);
    const secretBox = new SecretBox(kek, 'stored secrets');
    closers.push(() => keys.close());
    const instanceId = opts.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    const jobs = new JobRunner({ db: db.kysely, dialect: db.dialect, clock, instanceId, pollMs: config.jobPollMs });
    closers.push(() => jobs.stop());
    const blobs = new FileBlobStore(join(config.dataDir, 'blobs'));
    const ctx: ServerContext & { firstRun: boolean } = {
      config, db, clock, crypto: nodeCrypto, blobs, keys, secretBox, ca, caDeps, pki, jobs, log, instanceId, publicUrl, firstRun,
      tx: (fn) => db.kysely.transaction().execute(fn),
      audit: async (trx, e) => { await appendAudit(trx, db.dialect, { ...e, at: e.at ?? clock.now() }); },
      emit: async (trx, ev) => { await enqueueJob(trx, clock, { kind: 'event', payload: { ...ev, at: clock.now().toISOString(), id: randomUUID() } }); },
      close: async () => { for (const c of closers.reverse()) await c(); },
    };
    return ctx;
  } catch (e) {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw e;
  }
}
