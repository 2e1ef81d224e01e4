/**
 * Certificate authority operations (RFC 5280; Decree 68/2024 limits): initialise root + issuing CA
 * from a ceremony, issue (from a CSR with proof of possession, or with a generated key delivered as
 * PKCS#12), renew (same key), rekey, suspend/resume (certificateHold), revoke, list, chain.
 * Every state change is one transaction with its issuance-log entry.
 */
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import {
  KysoError, PROFILES, addYears, encodeName, defaultSignatureAlgorithm, encodePem, generateSerial, getProfile,
  getSubjectKeyIdentifier, issueCertificate, rdnsFromNameDer, normalizeSerialHex, parseCertificate, parseCsr,
  parseDnString, parseKeySpec, requireAcceptableKey, requireAcceptableHash, verifyCsrSignature, agencyCodeToOrganizationIdentifier,
  IDENTITY_FORMATS, OID, keySpecName, type Clock, type CryptoPort, type KeySpec, type Linter, type NameRdns,
  type ParsedCertificate, type SignatureAlgorithm, type Signer, type SubscriberProfileName, type CertificateProfile,
  SUBSCRIBER_PROFILES,
} from '@kyso/core';
import { insertRow, sqliteWrite, type Db } from '../store/database.ts';
import type { CertificatesTable } from '../store/database.ts';
import type { Insertable } from 'kysely';
import { ceremonyUrls, parseCeremony, type Ceremony } from '../config/ceremony.ts';
import { appendIssuanceLog, appendIssuanceLogSqlite, verifyIssuanceLog } from './issuance-log.ts';
import { createCaKey, loadCaSigner } from './ca-keys.ts';
import { KeyObjectSigner } from '../keys/key-object-signer.ts';
import { sha256Hex } from '../crypto/node-crypto.ts';
import { generateKeyPair } from '../keys/encrypted-pkcs8.ts';
import { buildPkcs12 } from '../keys/pkcs12.ts';

/** RFC 5280 §5.3.1 CRLReason codes kyso accepts for revocation (certificateHold is `suspend`). */
export const REVOCATION_REASONS = {
  unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4,
  cessationOfOperation: 5, privilegeWithdrawn: 9, aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export function parseRevocationReason(s: string | undefined): RevocationReason {
  if (s === undefined) return 'unspecified';
  const byName = (Object.keys(REVOCATION_REASONS) as RevocationReason[]).find((k) => k.toLowerCase() === s.trim().toLowerCase());
  if (byName) return byName;
  const byCode = (Object.keys(REVOCATION_REASONS) as RevocationReason[]).find((k) => String(REVOCATION_REASONS[k]) === s.trim());
  if (byCode) return byCode;
  if (/^(certificatehold|6)$/i.test(s.trim())) throw new KysoError('invalid-argument', 'certificateHold is not a revocation reason here: use `suspend`');
  throw new KysoError('invalid-argument', `unknown revocation reason "${s}": use ${Object.keys(REVOCATION_REASONS).join(', ')}`);
}

export interface CaDeps {
  db: Db;
  crypto: CryptoPort;
  clock: Clock;
  /** Lint-before-sign linter (core/ca/lint). */
  lint: Linter;
}

export interface IssueRequest {
  profile: SubscriberProfileName;
  /** RFC 4514 subject; with a CSR it may be omitted (the CSR's subject is used). */
  subject?: string;
  uid?: string;
  agencyCode?: string;
  /** DER PKCS#10 request; without it kyso generates the key. */
  csr?: Uint8Array;
  key?: KeySpec;
  days?: number;
  /** Password for the PKCS#12 that delivers a generated key (required then). */
  p12Password?: string;
  friendlyName?: string;
}

export interface IssuedCertificate {
  certificate: ParsedCertificate;
  pem: string;
  /** PKCS#12 with the generated key, certificate and chain, when kyso generated the key. */
  p12?: Uint8Array;
  warnings: string[];
}

export interface CertificateRecord {
  serial: string;
  profile: string;
  subject: string;
  uid: string | null;
  agencyCode: string | null;
  keySpec: string;
  notBefore: string;
  notAfter: string;
  status: 'good' | 'suspended' | 'revoked' | 'expired';
  revocationReason: string | null;
  revokedAt: string | null;
  replaces: string | null;
  issuer: string;
}

const DAY = 86_400_000;

function seconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * The throwaway key that signs lint certificates (lint-before-sign). The linted TBSCertificate — with
 * the CA's own signature AlgorithmIdentifier — is exactly the one the CA key signs next; the lint
 * signature's bits are read by no lint (only that signatureValue is a BIT STRING), so one cheap
 * P-256 key serves every CA key type: an RSA-2048 CA no longer pays a second RSA signature per
 * certificate (ADR 0004).
 */
let lintSigner: Signer | undefined;
function throwawayLintSigner(): Signer {
  if (!lintSigner) {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    lintSigner = { keySpec: { kind: 'ec', curve: 'P-256' }, publicKey: new Uint8Array(), sign: async (data) => new Uint8Array(nodeSign('sha256', data, { key, dsaEncoding: 'der' })) };
  }
  return lintSigner;
}

export class CaService {
  readonly #deps: CaDeps;
  readonly #ceremony: Ceremony;
  readonly #secret: string | undefined;
  readonly #signers = new Map<string, Signer>();
  readonly #caCerts = new Map<string, ParsedCertificate>();
  #issuer?: Awaited<ReturnType<CaService['buildIssuerContext']>>;

  private constructor(deps: CaDeps, ceremony: Ceremony, secret: string | undefined) {
    this.#deps = deps;
    this.#ceremony = ceremony;
    this.#secret = secret;
  }

  get ceremony(): Ceremony { return this.#ceremony; }

  /** Opens an initialised CA. `secret` (passphrase or PIN) is needed only for operations that sign. */
  static async open(deps: CaDeps, secret?: string): Promise<CaService> {
    const row = await deps.db.kysely.selectFrom('settings').select('value').where('key', '=', 'ceremony').executeTakeFirst();
    if (!row) throw new KysoError('not-found', 'this directory holds no CA: run `kyso ca init` first');
    return new CaService(deps, parseCeremony(JSON.parse(row.value)), secret);
  }

  static async isInitialised(db: Db): Promise<boolean> {
    const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', 'ceremony').executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Key ceremony: creates the root and issuing CA keys and certificates in one transaction.
   * Refuses to run twice on the same directory.
   */
  static async init(deps: CaDeps, params: { ceremony: Ceremony; secret: string }): Promise<{ root: ParsedCertificate; issuing: ParsedCertificate }> {
    const { db, crypto, clock } = deps;
    const c = params.ceremony;
    // A PKCS#11 PIN is the token's business (the token locks after failed tries); a passphrase that
    // encrypts keys at rest must resist offline guessing.
    if (c.keyStorage.type === 'encrypted-file' && params.secret.length < 12) throw new KysoError('weak-crypto', 'the CA passphrase must be at least 12 characters');
    if (await CaService.isInitialised(db)) throw new KysoError('conflict', 'this directory already holds a CA');
    const now = seconds(clock.now());
    return db.kysely.transaction().execute(async (trx) => {
      const rootSpec = parseKeySpec(c.root.key);
      const issuingSpec = parseKeySpec(c.issuing.key);
      const rootSigner = await createCaKey(trx, { id: 'root', spec: rootSpec, storage: c.keyStorage, secret: params.secret, at: now });
      const rootAlg = defaultSignatureAlgorithm(rootSpec, { hash: c.root.hash, rsaPadding: c.root.rsaPadding });
      const rootName = encodeName(withCountry(parseDnString(c.root.subject)));
      const rootSerial = generateSerial(crypto);
      const root = await issueCertificate({
        profile: PROFILES.root, subject: rootName, spki: rootSigner.publicKey, serial: rootSerial.bytes,
        notBefore: now, notAfter: addYears(now, c.root.years),
        issuer: { name: rootName, signer: rootSigner, signatureAlgorithm: rootAlg, urls: { crl: [], ocsp: [], caIssuers: [] }, policies: [] },
        crypto, lintSigner: throwawayLintSigner(), lint: deps.lint,
      });
      const issuingSigner = await createCaKey(trx, { id: 'issuing', spec: issuingSpec, storage: c.keyStorage, secret: params.secret, at: now });
      const issuingSerial = generateSerial(crypto);
      const issuing = await issueCertificate({
        profile: PROFILES.issuing, subject: encodeName(withCountry(parseDnString(c.issuing.subject))), spki: issuingSigner.publicKey,
        serial: issuingSerial.bytes, notBefore: now, notAfter: addYears(now, c.issuing.years),
        issuer: {
          name: root.certificate.subjectDer, keyId: getSubjectKeyIdentifier(root.certificate), notAfter: root.certificate.notAfter,
          signer: rootSigner, signatureAlgorithm: rootAlg, urls: ceremonyUrls(c, 'root'), policies: [],
        },
        crypto, lintSigner: throwawayLintSigner(), lint: deps.lint,
      });
      await trx.insertInto('cas').values([
        { id: 'root', role: 'root', key_id: 'root', serial: rootSerial.hex, cert_der: root.der, subject: root.certificate.subjectString, created_at: now.toISOString() },
        { id: 'issuing', role: 'issuing', key_id: 'issuing', serial: issuingSerial.hex, cert_der: issuing.der, subject: issuing.certificate.subjectString, created_at: now.toISOString() },
      ]).execute();
      await trx.insertInto('settings').values({ key: 'ceremony', value: JSON.stringify(c) }).execute();
      for (const [ca, r] of [['root', root], ['issuing', issuing]] as const) {
        await appendIssuanceLog(trx, db.dialect, {
          at: now, action: 'ca.init', serial: r.certificate.serialHex,
          details: { ca, subject: r.certificate.subjectString, sha256: sha256Hex(r.der), notAfter: r.certificate.notAfter.toISOString() },
        });
      }
      return { root: root.certificate, issuing: issuing.certificate };
    });
  }

  /** A CA certificate (read once per service instance: CA certificates do not change under it). */
  async caCertificate(id: 'root' | 'issuing'): Promise<ParsedCertificate> {
    let cert = this.#caCerts.get(id);
    if (!cert) {
      const row = await this.#deps.db.kysely.selectFrom('cas').select('cert_der').where('id', '=', id).executeTakeFirst();
      if (!row) throw new KysoError('not-found', `this CA has no ${id} certificate`);
      cert = parseCertificate(new Uint8Array(row.cert_der));
      this.#caCerts.set(id, cert);
    }
    return cert;
  }

  /** PEM chain: issuing CA then root. */
  async chainPem(): Promise<string> {
    return encodePem('CERTIFICATE', (await this.caCertificate('issuing')).der) + encodePem('CERTIFICATE', (await this.caCertificate('root')).der);
  }

  async #signer(id: 'root' | 'issuing'): Promise<Signer> {
    let s = this.#signers.get(id);
    if (!s) {
      if (this.#secret === undefined) throw new KysoError('auth', 'the CA passphrase is needed for this operation (--pass-env VAR or --pass-file FILE)');
      s = await loadCaSigner(this.#deps.db.kysely, id, this.#secret);
      this.#signers.set(id, s);
    }
    return s;
  }

  async #issuerContext() {
    this.#issuer ??= await this.buildIssuerContext();
    return this.#issuer;
  }

  private async buildIssuerContext() {
    const issuing = await this.caCertificate('issuing');
    const signer = await this.#signer('issuing');
    const c = this.#ceremony;
    const signatureAlgorithm = defaultSignatureAlgorithm(signer.keySpec, { hash: c.issuing.hash, rsaPadding: c.issuing.rsaPadding });
    return {
      cert: issuing,
      ctx: {
        name: issuing.subjectDer, keyId: getSubjectKeyIdentifier(issuing), notAfter: issuing.notAfter, signer, signatureAlgorithm,
        urls: ceremonyUrls(c, 'issuing'), policies: c.policies,
      },
      lintSigner: throwawayLintSigner(),
    };
  }

  /** Issues a subscriber certificate. */
  issue(req: IssueRequest): Promise<IssuedCertificate> {
    return this.#issueNew(req, { action: 'certificate.issue' });
  }

  async #issueNew(req: IssueRequest, how: { action: string; replaces?: string; subject?: NameRdns }): Promise<IssuedCertificate> {
    const profile = getProfile(req.profile);
    if (!(SUBSCRIBER_PROFILES as readonly string[]).includes(profile.name)) throw new KysoError('invalid-argument', `profile ${req.profile} cannot be issued here: use ${SUBSCRIBER_PROFILES.join(', ')}`);
    const now = seconds(this.#deps.clock.now());
    let spki: Uint8Array;
    let keySpec: KeySpec;
    let rdns: NameRdns;
    let generated: KeyObject | undefined;
    if (req.csr) {
      if (req.key) throw new KysoError('invalid-argument', '--key and --csr exclude each other: the request already carries the key');
      const csr = parseCsr(req.csr);
      if (csr.signatureAlgorithm.scheme !== 'Ed25519') requireAcceptableHash(csr.signatureAlgorithm.hash);
      if (!verifyCsrSignature(csr, this.#deps.crypto)) throw new KysoError('policy', 'the certificate request is not signed by its own key (proof of possession failed)');
      spki = csr.spki;
      keySpec = requireAcceptableKey(spki);
      rdns = how.subject ?? (req.subject ? parseDnString(req.subject) : rdnsFromNameDer(csr.subjectDer));
    } else {
      if (!req.subject && !how.subject) throw new KysoError('invalid-argument', 'a subject is needed (--subject "CN=…,O=…")');
      if (!req.p12Password) throw new KysoError('invalid-argument', 'kyso generates the key: give a PKCS#12 password with --p12-pass-env VAR');
      if (req.p12Password.length < 8) throw new KysoError('weak-crypto', 'the PKCS#12 password must be at least 8 characters');
      generated = generateKeyPair(req.key ?? { kind: 'rsa', bits: 2048 });
      spki = new KeyObjectSigner(generated).publicKey;
      keySpec = requireAcceptableKey(spki);
      rdns = how.subject ?? parseDnString(req.subject!);
    }
    if (!how.subject) rdns = applyIdentity(withCountry(rdns), profile, req);
    const days = req.days ?? profile.defaultDays;
    if (!Number.isInteger(days) || days < 1) throw new KysoError('invalid-argument', `--days must be a positive whole number, got ${req.days}`);
    const notAfter = new Date(now.getTime() + days * DAY);
    const result = await this.#issueAndRecord({ profile, rdns, spki, keySpec, now, notAfter, action: how.action, replaces: how.replaces });
    let p12: Uint8Array | undefined;
    if (generated) {
      p12 = await buildPkcs12({
        privateKey: generated, certificate: result.certificate.der,
        chain: [(await this.caCertificate('issuing')).der, (await this.caCertificate('root')).der],
        password: req.p12Password!, friendlyName: req.friendlyName ?? firstCn(rdns) ?? result.certificate.serialHex,
      });
    }
    return { ...result, p12 };
  }

  async #issueAndRecord(p: { profile: CertificateProfile; rdns: NameRdns; spki: Uint8Array; keySpec?: KeySpec; now: Date; notAfter: Date; action: string; replaces?: string; renewalOf?: { notAfter: Date } }) {
    const { ctx, lintSigner } = await this.#issuerContext();
    const serial = generateSerial(this.#deps.crypto);
    const r = await issueCertificate({
      profile: p.profile, subject: encodeName(p.rdns), spki: p.spki, serial: serial.bytes, notBefore: p.now, notAfter: p.notAfter,
      issuer: ctx, crypto: this.#deps.crypto, lintSigner, lint: this.#deps.lint, renewalOf: p.renewalOf,
    });
    const cert = r.certificate;
    const key = p.keySpec ?? requireAcceptableKey(p.spki);
    const subject = cert.subjectString;
    const warnings = r.findings.map((f) => f.code);
    const row: Insertable<CertificatesTable> = {
      serial: serial.hex, ca_id: 'issuing', profile: p.profile.name, subject,
      uid: rdnValue(p.rdns, OID.userId) ?? null, agency_code: rdnValue(p.rdns, OID.organizationIdentifier)?.replace(/^VN:/, '') ?? null,
      key_spec: keySpecName(key), spki_sha256: sha256Hex(p.spki), not_before: cert.notBefore.toISOString(), not_after: cert.notAfter.toISOString(),
      status: 'good', status_changed_at: null, revocation_reason: null, revoked_at: null, replaces: p.replaces ?? null,
      der: r.der, created_at: p.now.toISOString(),
    };
    const entry = {
      at: p.now, action: p.action, serial: serial.hex,
      details: { profile: p.profile.name, subject, sha256: sha256Hex(r.der), notAfter: cert.notAfter.toISOString(), replaces: p.replaces ?? null, warnings },
    };
    const db = this.#deps.db;
    if (db.dialect === 'sqlite') {
      // The same two rows through better-sqlite3 directly (the issuance hot path; see sqliteWrite).
      await sqliteWrite(db, (w) => { w.insert('certificates', row); appendIssuanceLogSqlite(w, entry); });
    } else {
      await db.kysely.transaction().execute(async (trx) => {
        await insertRow(trx, db.dialect, 'certificates', row);
        await appendIssuanceLog(trx, db.dialect, entry);
      });
    }
    return { certificate: cert, pem: encodePem('CERTIFICATE', r.der), warnings: r.findings.map((f) => `${f.code}: ${f.message}`) };
  }

  /**
   * The certificate and key of one of the CA's own services — the delegated OCSP responder (profile
   * ocsp, RFC 6960 §4.2.2.2) or the timestamp authority (profile tsa, RFC 3161 §2.3). Made on first
   * use (key in the ceremony's key storage, like the CA keys) and replaced when it is revoked or has
   * less than `renewBeforeDays` left.
   */
  async serviceIdentity(kind: 'ocsp' | 'tsa', opts: { renewBeforeDays?: number } = {}): Promise<{ signer: Signer; certificate: ParsedCertificate }> {
    const settingKey = `service.${kind}`;
    const db = this.#deps.db.kysely;
    const now = seconds(this.#deps.clock.now());
    const renewBefore = (opts.renewBeforeDays ?? 30) * DAY;
    const current = await db.selectFrom('settings').select('value').where('key', '=', settingKey).executeTakeFirst();
    if (current) {
      const ref = JSON.parse(current.value) as { keyId: string; serial: string };
      const row = await db.selectFrom('certificates').selectAll().where('serial', '=', ref.serial).executeTakeFirst();
      if (row && row.status === 'good' && new Date(row.not_after).getTime() - now.getTime() > renewBefore) {
        if (this.#secret === undefined) throw new KysoError('auth', 'the CA passphrase is needed to unlock the service keys (--pass-env VAR or --pass-file FILE)');
        return { signer: await loadCaSigner(db, ref.keyId, this.#secret), certificate: parseCertificate(new Uint8Array(row.der)) };
      }
    }
    if (this.#secret === undefined) throw new KysoError('auth', 'the CA passphrase is needed to create the service keys (--pass-env VAR or --pass-file FILE)');
    const profile = getProfile(kind);
    const issuing = await this.caCertificate('issuing');
    const org = rdnsFromNameDer(issuing.subjectDer).filter((rdn) => rdn.every((a) => a.oid !== OID.commonName));
    const rdns: NameRdns = [...org, [{ oid: OID.commonName, value: kind === 'ocsp' ? 'Kyso OCSP Responder' : 'Kyso Time-Stamping Authority' }]];
    const keyId = `service-${kind}-${now.toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
    const signer = await createCaKey(db, { id: keyId, spec: (await this.#signer('issuing')).keySpec, storage: this.#ceremony.keyStorage, secret: this.#secret, at: now });
    const days = Math.floor(profile.defaultDays);
    const notAfter = new Date(Math.min(now.getTime() + days * DAY, issuing.notAfter.getTime()));
    const r = await this.#issueAndRecord({ profile, rdns, spki: signer.publicKey, now, notAfter, action: `service.${kind}` });
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('settings').where('key', '=', settingKey).execute();
      await trx.insertInto('settings').values({ key: settingKey, value: JSON.stringify({ keyId, serial: r.certificate.serialHex }) }).execute();
    });
    return { signer, certificate: r.certificate };
  }

  /** The signer of a CA (root or issuing), unlocked with the service's secret. */
  caSigner(id: 'root' | 'issuing'): Promise<Signer> {
    return this.#signer(id);
  }

  /** The signature algorithm this CA uses (from the ceremony and its key). */
  async caSignatureAlgorithm(id: 'root' | 'issuing'): Promise<SignatureAlgorithm> {
    const spec = this.#ceremony[id];
    return defaultSignatureAlgorithm((await this.#signer(id)).keySpec, { hash: spec.hash, rsaPadding: spec.rsaPadding });
  }

  async #row(serialInput: string): Promise<CertificatesTable> {
    const serial = normalizeSerialHex(serialInput);
    if (!serial) throw new KysoError('invalid-argument', `"${serialInput}" is not a hexadecimal serial number`);
    const row = await this.#deps.db.kysely.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirst();
    if (!row) throw new KysoError('not-found', `no certificate with serial ${serial} was issued by this CA`);
    return row;
  }

  /** Renewal: same key and subject, new serial and validity; extends at most profile.maxRenewalYears past the old end. */
  async renew(serialInput: string, opts: { days?: number } = {}): Promise<IssuedCertificate> {
    const row = await this.#row(serialInput);
    const profile = getProfile(row.profile);
    if (row.status !== 'good') throw new KysoError('conflict', `certificate ${row.serial} is ${row.status}: only a good certificate is renewed`);
    const old = parseCertificate(new Uint8Array(row.der));
    const now = seconds(this.#deps.clock.now());
    const limit = addYears(old.notAfter, profile.maxRenewalYears);
    let notAfter: Date;
    if (opts.days !== undefined) {
      if (!Number.isInteger(opts.days) || opts.days < 1) throw new KysoError('invalid-argument', `--days must be a positive whole number, got ${opts.days}`);
      notAfter = new Date(now.getTime() + opts.days * DAY);
    } else {
      const issuing = await this.caCertificate('issuing');
      notAfter = new Date(Math.min(limit.getTime(), issuing.notAfter.getTime()));
    }
    return this.#issueAndRecord({
      profile, rdns: rdnsFromNameDer(old.subjectDer), spki: old.spki, now, notAfter, action: 'certificate.renew', replaces: row.serial,
      renewalOf: { notAfter: old.notAfter },
    });
  }

  /** Rekey: same subject and profile, a new key (from a CSR or generated), validity as a new certificate. */
  async rekey(serialInput: string, opts: { csr?: Uint8Array; key?: KeySpec; days?: number; p12Password?: string; friendlyName?: string } = {}): Promise<IssuedCertificate> {
    const row = await this.#row(serialInput);
    if (row.status === 'revoked') throw new KysoError('conflict', `certificate ${row.serial} is revoked: issue a new one instead`);
    const old = parseCertificate(new Uint8Array(row.der));
    return this.#issueNew(
      { profile: row.profile as SubscriberProfileName, csr: opts.csr, key: opts.key, days: opts.days, p12Password: opts.p12Password, friendlyName: opts.friendlyName },
      { action: 'certificate.rekey', replaces: row.serial, subject: rdnsFromNameDer(old.subjectDer) },
    );
  }

  async #setStatus(serialInput: string, change: { to: 'good' | 'suspended' | 'revoked'; from: Array<'good' | 'suspended'>; reason?: string; action: string }): Promise<CertificateRecord> {
    const row = await this.#row(serialInput);
    if (!change.from.includes(row.status as 'good' | 'suspended')) {
      throw new KysoError('conflict', `certificate ${row.serial} is ${row.status}: cannot ${change.action.replace('certificate.', '')} it`);
    }
    const now = seconds(this.#deps.clock.now());
    await this.#deps.db.kysely.transaction().execute(async (trx) => {
      const res = await trx.updateTable('certificates').set({
        status: change.to, status_changed_at: now.toISOString(),
        revocation_reason: change.to === 'good' ? null : change.reason ?? null,
        revoked_at: change.to === 'good' ? null : now.toISOString(),
      }).where('serial', '=', row.serial).where('status', '=', row.status).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new KysoError('conflict', `certificate ${row.serial} changed meanwhile; try again`);
      await appendIssuanceLog(trx, this.#deps.db.dialect, { at: now, action: change.action, serial: row.serial, details: { from: row.status, to: change.to, reason: change.reason ?? null } });
    });
    return this.get(row.serial);
  }

  /** Suspension = revocation with reason certificateHold (RFC 5280 §5.3.1), reversible by resume. */
  suspend(serial: string): Promise<CertificateRecord> {
    return this.#setStatus(serial, { to: 'suspended', from: ['good'], reason: 'certificateHold', action: 'certificate.suspend' });
  }

  resume(serial: string): Promise<CertificateRecord> {
    return this.#setStatus(serial, { to: 'good', from: ['suspended'], action: 'certificate.resume' });
  }

  async revoke(serial: string, reason?: string): Promise<CertificateRecord> {
    return this.#setStatus(serial, { to: 'revoked', from: ['good', 'suspended'], reason: parseRevocationReason(reason), action: 'certificate.revoke' });
  }

  async get(serialInput: string): Promise<CertificateRecord> {
    return this.#record(await this.#row(serialInput));
  }

  #record(r: CertificatesTable): CertificateRecord {
    const expired = r.status === 'good' && new Date(r.not_after).getTime() < this.#deps.clock.now().getTime();
    return {
      serial: r.serial, profile: r.profile, subject: r.subject, uid: r.uid, agencyCode: r.agency_code, keySpec: r.key_spec,
      notBefore: r.not_before, notAfter: r.not_after, status: expired ? 'expired' : r.status, revocationReason: r.revocation_reason,
      revokedAt: r.revoked_at, replaces: r.replaces, issuer: r.ca_id,
    };
  }

  /** Lists certificates, newest first; `query` matches subject, UID, agency code or serial prefix. */
  async list(filter: { status?: string; profile?: string; query?: string } = {}): Promise<CertificateRecord[]> {
    let q = this.#deps.db.kysely.selectFrom('certificates').selectAll();
    if (filter.profile) q = q.where('profile', '=', getProfile(filter.profile).name);
    if (filter.status && ['good', 'suspended', 'revoked'].includes(filter.status)) q = q.where('status', '=', filter.status as 'good');
    if (filter.status === 'suspended' || filter.status === 'revoked') q = q.where('status_changed_at', 'is not', null); // their partial index
    if (filter.query) {
      const like = `%${filter.query.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      const serial = normalizeSerialHex(filter.query);
      q = q.where((eb) => eb.or([
        eb('subject', 'like', like), eb('uid', 'like', like), eb('agency_code', 'like', like),
        ...(serial ? [eb('serial', 'like', `${serial}%`)] : []),
      ]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('serial').execute();
    const out = rows.map((r) => this.#record(r));
    return filter.status === 'expired' ? out.filter((r) => r.status === 'expired') : out;
  }

  verifyLog() {
    return verifyIssuanceLog(this.#deps.db.kysely);
  }
}

function firstCn(rdns: NameRdns): string | undefined {
  for (let i = rdns.length - 1; i >= 0; i--) for (const a of rdns[i]!) if (a.oid === OID.commonName) return a.value;
  return undefined;
}

function rdnValue(rdns: NameRdns, oid: string): string | undefined {
  for (const rdn of rdns) for (const a of rdn) if (a.oid === oid) return a.value;
  return undefined;
}

/** Adds C=VN as the first RDN when the subject names no country. */
function withCountry(rdns: NameRdns): NameRdns {
  return rdnValue(rdns, OID.countryName) ? rdns : [[{ oid: OID.countryName, value: 'VN' }], ...rdns];
}

/**
 * Puts UID (CCCD/MST) and the agency code into the subject, checking their formats. They go just
 * before the common name, so CN stays the most specific RDN.
 */
function applyIdentity(rdns: NameRdns, profile: CertificateProfile, req: { uid?: string; agencyCode?: string }): NameRdns {
  let out = rdns;
  const insert = (rdn: NameRdns[number]) => {
    const cnAt = out.length > 0 && out[out.length - 1]!.some((a) => a.oid === OID.commonName) ? out.length - 1 : out.length;
    out = [...out.slice(0, cnAt), rdn, ...out.slice(cnAt)];
  };
  if (req.uid !== undefined) {
    const fmt = profile.uid === 'CCCD' ? IDENTITY_FORMATS.cccd : profile.uid === 'MST' ? IDENTITY_FORMATS.mst : undefined;
    if (!fmt) throw new KysoError('invalid-argument', `${profile.name} certificates carry no UID`);
    if (!fmt.test(req.uid)) throw new KysoError('invalid-argument', profile.uid === 'CCCD' ? `--uid must be CCCD:<12 digits>, got "${req.uid}"` : `--uid must be MST:<10 digits> or MST:<10 digits>-<3 digits>, got "${req.uid}"`);
    if (rdnValue(out, OID.userId)) throw new KysoError('invalid-argument', 'the subject already has a UID; give it once');
    insert([{ oid: OID.userId, value: req.uid }]);
  }
  if (req.agencyCode !== undefined) {
    if (rdnValue(out, OID.organizationIdentifier)) throw new KysoError('invalid-argument', 'the subject already has an organizationIdentifier; give the agency code once');
    insert([{ oid: OID.organizationIdentifier, value: agencyCodeToOrganizationIdentifier(req.agencyCode) }]);
  }
  return out;
}
