/** `kyso ca …`: certificate authority operations on a data directory. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { KysoError, derOrPem, parseKeySpec } from '@kyso/core';
import { CaService, openCaDirectory, removeDatabaseFiles, type CaDirectory } from '@kyso/server/services/ca-directory.ts';
import { parseCeremony, parseCeremonyJson } from '@kyso/server/config/ceremony.ts';
import type { CertificateRecord, IssuedCertificate } from '@kyso/server/services/ca-service.ts';
import { AtomicFiles, readInput, readSecret } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

const PASS = { 'pass-env': { type: 'string' }, 'pass-file': { type: 'string' } } as const;

function caSecret(v: { 'pass-env'?: string; 'pass-file'?: string }): string | undefined {
  return readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'CA passphrase', fallbackEnv: 'KYSO_CA_PASSPHRASE' });
}

function requireDir(v: { dir?: string }): string {
  if (!v.dir) throw new KysoError('invalid-argument', '--dir DIR is required');
  return v.dir;
}

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new KysoError('invalid-argument', `${name} must be a positive whole number, got "${v}"`);
  return Number(v);
}

function readCsr(path: string | undefined): Uint8Array | undefined {
  if (path === undefined) return undefined;
  const blocks = derOrPem(readInput(path, 'certificate request'), ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  return blocks[0];
}

async function withCa<T>(dir: string, secret: string | undefined, fn: (ca: CaService, d: CaDirectory) => Promise<T>): Promise<T> {
  const d = await openCaDirectory(dir);
  try {
    return await fn(await CaService.open(d.deps, secret), d);
  } finally {
    await d.close();
  }
}

/**
 * Writes PREFIX.crt.pem (and PREFIX.p12) atomically; reserves the files before the CA signs.
 * Without a prefix (renew, rekey from a CSR) the certificate PEM goes to stdout, the summary to stderr.
 */
async function writeIssued(prefix: string | undefined, withP12: boolean, out: Out, make: () => Promise<IssuedCertificate>, opts: { prefixRequired: boolean } = { prefixRequired: true }): Promise<number> {
  if (!prefix) {
    if (opts.prefixRequired || withP12) throw new KysoError('invalid-argument', '--out PREFIX is required');
    const r = await make();
    out.stdout(r.pem);
    out.stderr(`serial ${r.certificate.serialHex}\nsubject ${r.certificate.subjectString}\nvalid ${r.certificate.notBefore.toISOString()} → ${r.certificate.notAfter.toISOString()}\n`);
    for (const w of r.warnings) out.stderr(`kyso: warning: ${w}\n`);
    return EXIT.ok;
  }
  const files = new AtomicFiles();
  const crt = `${prefix}.crt.pem`;
  const p12 = `${prefix}.p12`;
  try {
    files.reserve(crt);
    if (withP12) files.reserve(p12);
    const r = await make();
    files.write(crt, r.pem);
    if (withP12) {
      if (!r.p12) throw new KysoError('internal', 'no PKCS#12 was produced');
      files.write(p12, r.p12);
    }
    files.commit();
    out.stdout(`serial ${r.certificate.serialHex}\nsubject ${r.certificate.subjectString}\nvalid ${r.certificate.notBefore.toISOString()} → ${r.certificate.notAfter.toISOString()}\nwrote ${crt}${withP12 ? ` and ${p12}` : ''}\n`);
    for (const w of r.warnings) out.stderr(`kyso: warning: ${w}\n`);
    return EXIT.ok;
  } catch (e) {
    files.abort();
    throw e;
  }
}

function printRecords(rows: CertificateRecord[], json: boolean, out: Out): void {
  if (json) { out.stdout(JSON.stringify(rows, null, 2) + '\n'); return; }
  if (rows.length === 0) { out.stdout('no certificates\n'); return; }
  for (const r of rows) {
    out.stdout(`${r.serial}  ${r.status.padEnd(9)}  ${r.profile.padEnd(8)}  ${r.notAfter.slice(0, 10)}  ${r.subject}${r.revocationReason && r.status !== 'good' ? `  (${r.revocationReason})` : ''}\n`);
  }
}

export async function caCommand(args: string[], out: Out): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'init': {
      const { values: v } = parse(rest, { dir: { type: 'string' }, config: { type: 'string' }, ...PASS });
      const dir = requireDir(v);
      const ceremony = v.config ? parseCeremonyJson(Buffer.from(readInput(v.config, 'ceremony file')).toString('utf8')) : parseCeremony(undefined);
      const secret = caSecret(v);
      if (!secret) throw new KysoError('invalid-argument', 'the CA passphrase is needed: --pass-env VAR or --pass-file FILE');
      const d = await openCaDirectory(dir, { create: true });
      const fresh = !(await CaService.isInitialised(d.db));
      try {
        const r = await CaService.init(d.deps, { ceremony, secret });
        const f = (der: Uint8Array) => createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
        out.stdout(`root CA     ${r.root.subjectString}\n  SHA-256 ${f(r.root.der)}\nissuing CA  ${r.issuing.subjectString}\n  SHA-256 ${f(r.issuing.der)}\n`);
        await d.close();
        return EXIT.ok;
      } catch (e) {
        await d.close();
        if (fresh) removeDatabaseFiles(join(d.dir, 'kyso.db'));
        throw e;
      }
    }
    case 'issue': {
      const { values: v } = parse(rest, {
        dir: { type: 'string' }, profile: { type: 'string' }, subject: { type: 'string' }, uid: { type: 'string' },
        'agency-code': { type: 'string' }, csr: { type: 'string' }, days: { type: 'string' }, key: { type: 'string' },
        out: { type: 'string' }, 'p12-pass-env': { type: 'string' }, 'p12-pass-file': { type: 'string' }, 'friendly-name': { type: 'string' }, ...PASS,
      });
      const dir = requireDir(v);
      if (!v.profile) throw new KysoError('invalid-argument', '--profile is required (agency, official, service, tsa or ocsp)');
      const csr = readCsr(v.csr);
      const key = v.key ? parseKeySpec(v.key) : undefined;
      const p12Password = csr ? undefined : readSecret({ env: v['p12-pass-env'], file: v['p12-pass-file'], what: 'PKCS#12 password' });
      if (!csr && !p12Password) throw new KysoError('invalid-argument', 'kyso generates the key: give the PKCS#12 password with --p12-pass-env VAR (or use --csr)');
      const days = intOption(v.days, '--days');
      return withCa(dir, caSecret(v), (ca) => writeIssued(v.out, !csr, out, () => ca.issue({
        profile: v.profile as 'agency', subject: v.subject, uid: v.uid, agencyCode: v['agency-code'], csr, key, days, p12Password, friendlyName: v['friendly-name'],
      })));
    }
    case 'renew': {
      const { values: v } = parse(rest, { dir: { type: 'string' }, serial: { type: 'string' }, days: { type: 'string' }, out: { type: 'string' }, ...PASS });
      const serial = requireSerial(v);
      const days = intOption(v.days, '--days');
      return withCa(requireDir(v), caSecret(v), (ca) => writeIssued(v.out, false, out, () => ca.renew(serial, { days }), { prefixRequired: false }));
    }
    case 'rekey': {
      const { values: v } = parse(rest, {
        dir: { type: 'string' }, serial: { type: 'string' }, csr: { type: 'string' }, key: { type: 'string' }, days: { type: 'string' },
        out: { type: 'string' }, 'p12-pass-env': { type: 'string' }, 'p12-pass-file': { type: 'string' }, ...PASS,
      });
      const serial = requireSerial(v);
      const csr = readCsr(v.csr);
      const p12Password = csr ? undefined : readSecret({ env: v['p12-pass-env'], file: v['p12-pass-file'], what: 'PKCS#12 password' });
      if (!csr && !p12Password) throw new KysoError('invalid-argument', 'rekey makes a new key: give --csr req.pem, or --p12-pass-env VAR for a generated key');
      const key = v.key ? parseKeySpec(v.key) : undefined;
      const days = intOption(v.days, '--days');
      return withCa(requireDir(v), caSecret(v), (ca) => writeIssued(v.out, !csr, out, () => ca.rekey(serial, { csr, key, days, p12Password }), { prefixRequired: false }));
    }
    case 'suspend': case 'resume': case 'revoke': {
      const { values: v } = parse(rest, { dir: { type: 'string' }, serial: { type: 'string' }, reason: { type: 'string' }, ...PASS });
      const serial = requireSerial(v);
      if (v.reason !== undefined && sub !== 'revoke') throw new KysoError('invalid-argument', `--reason goes with revoke only (${sub} has its own reason)`);
      const r = await withCa(requireDir(v), caSecret(v), (ca) => sub === 'suspend' ? ca.suspend(serial) : sub === 'resume' ? ca.resume(serial) : ca.revoke(serial, v.reason));
      out.stdout(`${r.serial} ${r.status}${r.revocationReason ? ` (${r.revocationReason})` : ''}\n`);
      return EXIT.ok;
    }
    case 'list': {
      const { values: v } = parse(rest, { dir: { type: 'string' }, json: { type: 'boolean' }, status: { type: 'string' }, profile: { type: 'string' }, query: { type: 'string' } });
      if (v.status && !['good', 'suspended', 'revoked', 'expired'].includes(v.status)) throw new KysoError('invalid-argument', `--status must be good, suspended, revoked or expired`);
      const rows = await withCa(requireDir(v), undefined, (ca) => ca.list({ status: v.status, profile: v.profile, query: v.query }));
      printRecords(rows, v.json ?? false, out);
      return EXIT.ok;
    }
    case 'chain': {
      const { values: v } = parse(rest, { dir: { type: 'string' } });
      out.stdout(await withCa(requireDir(v), undefined, (ca) => ca.chainPem()));
      return EXIT.ok;
    }
    case 'log': {
      const { values: v } = parse(rest, { dir: { type: 'string' }, verify: { type: 'boolean' } });
      const r = await withCa(requireDir(v), undefined, (ca) => ca.verifyLog());
      if (r.ok) { out.stdout(`issuance log intact: ${r.entries} entries\n`); return EXIT.ok; }
      out.stdout(`issuance log BROKEN at entry ${r.brokenAt}: ${r.reason}\n`);
      return EXIT.invalid;
    }
    default:
      throw new KysoError('invalid-argument', `unknown command "ca ${sub ?? ''}": use init, issue, renew, rekey, suspend, resume, revoke, list, chain or log`);
  }
}

function requireSerial(v: { serial?: string }): string {
  if (!v.serial) throw new KysoError('invalid-argument', '--serial HEX is required');
  return v.serial;
}
