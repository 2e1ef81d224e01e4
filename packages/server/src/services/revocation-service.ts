/**
 * Revocation data of the CA: full CRLs per CA (RFC 5280 §5) kept in the database with increasing
 * CRL numbers, regenerated when a status changes and before they expire; and the status of one
 * certificate for the OCSP responder. Several server instances can share one database: CRL numbers
 * come from an atomic counter, and every instance notices changes by polling (`poll`).
 */
import { createHash } from 'node:crypto';
import { KysoError, getSubjectKeyIdentifier, type ParsedCertificate } from '@kyso/core';
import { buildCrl, type CrlEntryInput, type CrlReasonName } from '@kyso/core/ca/crl-builder.ts';
import type { OcspCertStatus } from '@kyso/core/ocsp/ocsp-response.ts';
import type { CaDeps, CaService } from './ca-service.ts';
import { REVOCATION_REASONS } from './ca-service.ts';
import { reserveCounter } from './counters.ts';
import type { Kysely } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';

export type CaId = 'root' | 'issuing';

export interface PublishedCrl {
  caId: CaId;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  der: Uint8Array;
  /** Strong ETag: SHA-256 of the DER. */
  etag: string;
}

export interface RevocationOptions {
  /** CRL validity (nextUpdate − thisUpdate), seconds; default 24 h. A new CRL is made after half of it. */
  crlPeriodSeconds?: number;
}

const CODE_TO_REASON = new Map<number, CrlReasonName>([
  ...Object.entries(REVOCATION_REASONS).map(([k, v]) => [v, k as CrlReasonName] as [number, CrlReasonName]),
  [6, 'certificateHold'],
]);

/** RFC 5280 §5.3.1 code of a stored reason name. */
export function reasonCode(name: string | null): number | undefined {
  if (!name) return undefined;
  if (name === 'certificateHold') return 6;
  return (REVOCATION_REASONS as Record<string, number>)[name];
}

export class RevocationService {
  readonly #deps: CaDeps;
  readonly #ca: CaService;
  readonly #periodMs: number;
  readonly #latest = new Map<CaId, PublishedCrl>();

  constructor(deps: CaDeps, ca: CaService, opts: RevocationOptions = {}) {
    this.#deps = deps;
    this.#ca = ca;
    this.#periodMs = (opts.crlPeriodSeconds ?? 86_400) * 1000;
    if (!(this.#periodMs >= 60_000)) throw new KysoError('invalid-argument', 'the CRL period must be at least 60 seconds');
  }

  /** The entries a CRL of this CA must list now: revoked and suspended (certificateHold) certificates. */
  async #entries(caId: CaId): Promise<CrlEntryInput[]> {
    if (caId === 'root') return []; // kyso's root certifies only the issuing CA, which has no revocation state yet
    const rows = await crlEntryRows(this.#deps.db.kysely, caId).execute();
    return rows.map((r) => ({
      serialHex: r.serial,
      revokedAt: new Date(r.revoked_at ?? 0),
      reason: (r.status === 'suspended' ? 'certificateHold' : (r.revocation_reason ?? 'unspecified')) as CrlReasonName,
    }));
  }

  static #entriesHash(entries: CrlEntryInput[]): string {
    return createHash('sha256').update(JSON.stringify(entries.map((e) => [e.serialHex, e.revokedAt.toISOString(), e.reason]))).digest('hex');
  }

  async #load(caId: CaId): Promise<(PublishedCrl & { entriesSha256: string }) | undefined> {
    const row = await this.#deps.db.kysely.selectFrom('crls').selectAll().where('ca_id', '=', caId)
      .orderBy('crl_number', 'desc').limit(1).executeTakeFirst();
    if (!row) return undefined;
    const der = new Uint8Array(row.der);
    return {
      caId, number: BigInt(String(row.crl_number)), thisUpdate: new Date(row.this_update), nextUpdate: new Date(row.next_update),
      der, etag: `"${createHash('sha256').update(der).digest('hex')}"`, entriesSha256: row.entries_sha256,
    };
  }

  /**
   * The current CRL of a CA, made anew when none exists, when the revoked set changed since the last
   * one, or when half its period has passed.
   */
  async currentCrl(caId: CaId, opts: { force?: boolean } = {}): Promise<PublishedCrl> {
    const now = this.#deps.clock.now();
    const entries = await this.#entries(caId);
    const hash = RevocationService.#entriesHash(entries);
    const last = await this.#load(caId);
    const fresh = last && last.entriesSha256 === hash && now.getTime() < last.thisUpdate.getTime() + this.#periodMs / 2 && now.getTime() >= last.thisUpdate.getTime();
    if (last && fresh && !opts.force) {
      this.#latest.set(caId, last);
      return last;
    }
    const issuer = await this.#ca.caCertificate(caId);
    const signer = await this.#ca.caSigner(caId);
    const signatureAlgorithm = await this.#ca.caSignatureAlgorithm(caId);
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(Math.min(thisUpdate.getTime() + this.#periodMs, issuer.notAfter.getTime()));
    const published = await this.#deps.db.kysely.transaction().execute(async (trx) => {
      const number = await reserveCounter(trx, `crl.${caId}`);
      const der = await buildCrl({
        issuerDer: issuer.subjectDer, authorityKeyId: keyIdOf(issuer), signatureAlgorithm, thisUpdate, nextUpdate,
        crlNumber: number, entries, signer,
      });
      await trx.insertInto('crls').values({
        ca_id: caId, crl_number: number.toString(), this_update: thisUpdate.toISOString(), next_update: nextUpdate.toISOString(),
        entries_sha256: hash, der,
      }).execute();
      return { caId, number, thisUpdate, nextUpdate, der, etag: `"${createHash('sha256').update(der).digest('hex')}"` };
    });
    this.#latest.set(caId, published);
    return published;
  }

  /** True when this instance has no CRL of that CA in memory, or it is past half its period. */
  due(caId: CaId): boolean {
    const c = this.#latest.get(caId);
    const now = this.#deps.clock.now().getTime();
    return !c || now >= c.thisUpdate.getTime() + this.#periodMs / 2 || now < c.thisUpdate.getTime();
  }

  /** The last CRL this instance published or served, without touching the database. */
  cachedCrl(caId: CaId): PublishedCrl | undefined {
    return this.#latest.get(caId);
  }

  /**
   * The status of one certificate (RFC 6960 §2.2): good, revoked (time and reason; a suspension is
   * revoked with certificateHold) or unknown when this CA never issued that serial.
   */
  async status(caId: CaId, serialHex: string): Promise<OcspCertStatus> {
    if (caId === 'root') {
      const issuing = await this.#ca.caCertificate('issuing');
      return issuing.serialHex === serialHex ? { kind: 'good' } : { kind: 'unknown' };
    }
    const row = await this.#deps.db.kysely.selectFrom('certificates').select(['status', 'revocation_reason', 'revoked_at'])
      .where('serial', '=', serialHex).where('ca_id', '=', caId).executeTakeFirst();
    if (!row) return { kind: 'unknown' };
    if (row.status === 'good') return { kind: 'good' };
    const reason = row.status === 'suspended' ? 6 : reasonCode(row.revocation_reason);
    return { kind: 'revoked', revokedAt: new Date(row.revoked_at ?? 0), ...(reason === undefined || reason === 0 ? {} : { reason }) };
  }

  /** Serials whose status changed at or after `since` (for responders refreshing their caches). */
  async changedSince(since: Date): Promise<string[]> {
    const rows = await changedSinceRows(this.#deps.db.kysely, since).execute();
    return rows.map((r) => r.serial);
  }
}

/**
 * The certificates a CRL of `caId` lists. Every revoked or suspended certificate has had a status
 * change, and saying so lets the database use the partial index that holds only those rows
 * (certificates_changed_ca_status, migration 0004): issuing a certificate does not touch it.
 */
export function crlEntryRows(db: Kysely<KysoDatabase>, caId: CaId) {
  return db.selectFrom('certificates').select(['serial', 'status', 'revocation_reason', 'revoked_at'])
    .where('ca_id', '=', caId).where('status_changed_at', 'is not', null).where('status', 'in', ['revoked', 'suspended'])
    .orderBy('serial');
}

/** Serials whose status changed at or after `since` (partial index certificates_changed_at). */
export function changedSinceRows(db: Kysely<KysoDatabase>, since: Date) {
  return db.selectFrom('certificates').select('serial').where('status_changed_at', '>=', since.toISOString());
}

function keyIdOf(c: ParsedCertificate): Uint8Array {
  const ski = getSubjectKeyIdentifier(c);
  if (!ski) throw new KysoError('internal', `CA certificate ${c.subjectString} has no subject key identifier`);
  return ski;
}

export { CODE_TO_REASON };
