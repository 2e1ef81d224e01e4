/**
 * `kyso serve` configuration: validated once at start, from (lowest to highest precedence) the
 * defaults, the config file (`--config FILE`, else DATA/kyso.config.json when present), the
 * environment (KYSO_*), and the command line. Every problem is listed at once. Nothing else in the
 * server reads the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { KysoError } from '@kyso/core';

const hsm = z.object({
  module: z.string().min(1),
  token: z.string().min(1),
  /** Name of the environment variable holding the token PIN. */
  pinEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
}).strict();

export const serverConfigSchema = z.object({
  dataDir: z.string().min(1).default('./kyso-data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** SQLite file (default DATA/kyso.db) or postgres://… URL. */
  db: z.string().min(1).optional(),
  /** PostgreSQL schema (tests isolate themselves in one). */
  dbSchema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  /** The URL the certificates carry for CRL/OCSP/TSA (default http://HOST:PORT). */
  publicUrl: z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http(s):// URL').optional(),
  /** Upload limit for PDFs and images, bytes. */
  maxUploadBytes: z.number().int().min(1024).max(1 << 30).default(50 * 1024 * 1024),
  sessionHours: z.number().min(0.1).max(24 * 30).default(12),
  /** Failed logins before the account locks, and for how long. */
  lockoutAttempts: z.number().int().min(1).max(100).default(5),
  lockoutMinutes: z.number().min(1).max(24 * 60).default(15),
  /** Requests per minute per client IP on the login and verify routes. */
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(600),
  /** Signature level for signatures and seals made over HTTP. */
  defaultLevel: z.enum(['B-T', 'B-LT', 'B-LTA']).default('B-T'),
  /** Keys of holders in a PKCS#11 token instead of the encrypted key store. */
  hsm: hsm.optional(),
  /** Set false to skip creating the demo province on first start. */
  demo: z.boolean().default(true),
  /** WebAuthn relying party: id (a domain) and origin(s); default from publicUrl. */
  rpId: z.string().min(1).optional(),
  rpOrigins: z.array(z.string().min(1)).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  jobPollMs: z.number().int().min(10).max(600_000).default(1000),
  /** Secrets come only from the environment or files, never the command line. */
  caPassphrase: z.string().min(8).optional(),
  serverSecret: z.string().min(16).optional(),
}).strict();

/** The validated configuration; `hsmPin` is read from the variable `hsm.pinEnv` names. */
export type ServerConfig = z.infer<typeof serverConfigSchema> & { dataDir: string; hsmPin?: string };

const ENV: Record<string, { key: keyof z.input<typeof serverConfigSchema>; type: 'string' | 'number' | 'boolean' }> = {
  KYSO_DATA: { key: 'dataDir', type: 'string' },
  KYSO_HOST: { key: 'host', type: 'string' },
  KYSO_PORT: { key: 'port', type: 'number' },
  KYSO_DB: { key: 'db', type: 'string' },
  KYSO_PUBLIC_URL: { key: 'publicUrl', type: 'string' },
  KYSO_MAX_UPLOAD_BYTES: { key: 'maxUploadBytes', type: 'number' },
  KYSO_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  KYSO_DEMO: { key: 'demo', type: 'boolean' },
  KYSO_CA_PASSPHRASE: { key: 'caPassphrase', type: 'string' },
  KYSO_SERVER_SECRET: { key: 'serverSecret', type: 'string' },
};

function coerce(v: string, type: 'string' | 'number' | 'boolean'): unknown {
  if (type === 'number') return /^\d+$/.test(v) ? Number(v) : v;
  if (type === 'boolean') return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v;
  return v;
}

/**
 * Builds the configuration. `cli` holds what the command line said (already typed); `env` is the
 * process environment (passed in, so tests control it). Fails with KysoError('invalid-argument')
 * listing every problem, one per line.
 */
export function loadServerConfig(p: { cli?: Record<string, unknown>; env?: Record<string, string | undefined>; configFile?: string }): ServerConfig {
  const env = p.env ?? {};
  const problems: string[] = [];
  const fromEnv: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[spec.key] = coerce(v, spec.type);
  }
  const cli = Object.fromEntries(Object.entries(p.cli ?? {}).filter(([, v]) => v !== undefined));
  const dataDir = String(cli.dataDir ?? fromEnv.dataDir ?? './kyso-data');
  const file = p.configFile ?? (existsSync(join(dataDir, 'kyso.config.json')) ? join(dataDir, 'kyso.config.json') : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new Error('not a JSON object');
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
    for (const k of ['caPassphrase', 'serverSecret']) if (k in fromFile) problems.push(`${file}: ${k} must not be in the config file (use KYSO_${k === 'caPassphrase' ? 'CA_PASSPHRASE' : 'SERVER_SECRET'})`);
  }
  const merged = { ...fromFile, ...fromEnv, ...cli };
  const r = serverConfigSchema.safeParse(merged);
  if (!r.success) for (const i of r.error.issues) problems.push(`${i.path.join('.') || '(config)'}: ${i.message}`);
  if (r.success && r.data.hsm && !env[r.data.hsm.pinEnv]) problems.push(`hsm.pinEnv: environment variable ${r.data.hsm.pinEnv} is not set`);
  if (problems.length > 0) throw new KysoError('invalid-argument', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: problems });
  return { ...r.data!, dataDir: resolve(r.data!.dataDir), ...(r.data!.hsm ? { hsmPin: env[r.data!.hsm.pinEnv] } : {}) };
}
