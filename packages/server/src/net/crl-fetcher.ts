/**
 * The CRL client (RFC 5280 §5, §6.3): fetches a CRL over HTTP (DER or PEM), checks it — issuer name,
 * signature with the issuer's key, currency — and keeps it in a small LRU cache until its nextUpdate
 * (or sooner when the server's Cache-Control says so), revalidating with If-None-Match when the
 * server gave an ETag. A failure is always an exception naming the URL and the reason, never an
 * empty "nothing revoked" answer.
 */
import {
  KysoError, OID, derOrPem, equalBytes, findExtension, formatNameDer, getBasicConstraints, getKeyUsage,
  getSubjectKeyIdentifier, isKysoError, toHex, type Clock, type CryptoPort, type ParsedCertificate,
} from '@kyso/core';
import {
  CRL_REASONS, findRevokedEntry, parseCrl, parseDistributionPoints, verifyCrlSignature, type DistributionPoint, type ParsedCrl,
} from '@kyso/core/x509/crl.ts';
import { generalNamesEqual, type GeneralName } from '@kyso/core/x509/general-names.ts';
import { parseDistinguishedName } from '@kyso/core/x509/name-matching.ts';
import { fetchBytes } from './http-fetch.ts';

export interface CrlFetcherOptions {
  crypto: CryptoPort;
  clock: Clock;
  /** Whole-request timeout per fetch, milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Largest CRL accepted, bytes (default 10 MiB). */
  maxBytes?: number;
  /** Number of CRLs kept in the cache (default 256; least recently used are dropped). */
  maxEntries?: number;
  /** How far in the future thisUpdate may be, for clock skew, milliseconds (default 5 minutes). */
  skewMs?: number;
}

export interface FetchedCrl {
  /** The CRL's DER (decoded from PEM when the server sent PEM). */
  der: Uint8Array;
  crl: ParsedCrl;
  /** True when no new CRL was downloaded (cache hit, or 304 Not Modified). */
  fromCache: boolean;
}

export interface CrlStatus {
  status: 'good' | 'revoked';
  revokedAt?: Date;
  /** RFC 5280 §5.3.1 reason name ('unspecified' when the entry carries no reasonCode). */
  reason?: string;
  /** The distribution point whose CRL gave the answer. */
  crlUrl: string;
  thisUpdate: Date;
  nextUpdate?: Date;
}

interface CacheEntry {
  der: Uint8Array;
  crl: ParsedCrl;
  etag?: string;
  /** Until when (ms) the entry is used without asking the server. */
  freshUntil: number;
  /** Keys (hex SPKI) that verified the signature: a later caller with another key is checked again. */
  verifiedWith: Set<string>;
}

type Download =
  | { kind: 'not-modified'; etag?: string; cacheControl: CacheControl }
  | { kind: 'new'; entry: CacheEntry; cacheControl: CacheControl };

interface CacheControl { maxAgeMs?: number; noCache: boolean; noStore: boolean }

function parseCacheControl(h: string | null): CacheControl {
  const out: CacheControl = { noCache: false, noStore: false };
  for (const part of (h ?? '').split(',')) {
    const d = part.trim().toLowerCase();
    const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (m) out.maxAgeMs = Number(m[1]) * 1000;
    else if (d === 'no-cache') out.noCache = true;
    else if (d === 'no-store') out.noStore = true;
  }
  return out;
}

const MiB = 1 << 20;

/**
 * Fetches, verifies and caches CRLs (RFC 5280 §5) for revocation checking (§6.3). One instance is
 * meant to be shared by a process: the cache and in-flight downloads are per URL.
 */
export class CrlFetcher {
  readonly #crypto: CryptoPort;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #skewMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<Download>>();

  constructor(p: CrlFetcherOptions) {
    this.#crypto = p.crypto;
    this.#clock = p.clock;
    this.#timeoutMs = p.timeoutMs ?? 10_000;
    this.#maxBytes = p.maxBytes ?? 10 * MiB;
    this.#maxEntries = p.maxEntries ?? 256;
    this.#skewMs = p.skewMs ?? 5 * 60_000;
    if (!(this.#timeoutMs > 0) || !(this.#maxBytes > 0) || !Number.isInteger(this.#maxEntries) || this.#maxEntries < 1 || !(this.#skewMs >= 0)) {
      throw new KysoError('invalid-argument', 'CrlFetcher: timeoutMs and maxBytes must be positive, maxEntries a positive integer, skewMs not negative');
    }
  }

  /**
   * Fetches (or returns from cache) the CRL at `url`, accepting DER or PEM, and checks that it is
   * issued by `issuer` (name, §5.1.2.3; signature with its key, §6.3.3 (f)-(g); keyUsage cRLSign
   * when present, §4.2.1.3), has no unrecognised critical extension (§5.2, §5.3) and is current
   * (thisUpdate ≤ now + skew, §5.1.2.4; nextUpdate ≥ now, §5.1.2.5). Cached until nextUpdate, or
   * until the response's Cache-Control max-age if sooner (no-cache: revalidate every time;
   * no-store: not kept); revalidated with If-None-Match when the server gave an ETag (304 keeps the
   * cached CRL, which must still be current). If the server cannot be reached while a cached CRL is
   * still within its nextUpdate, that CRL is returned (fromCache). Failures throw KysoError('io')
   * (network, timeout, HTTP status, size) or KysoError('malformed') (content), naming the URL.
   */
  async get(url: string, issuer: ParsedCertificate): Promise<FetchedCrl> {
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(url);
    if (cached && now < cached.freshUntil) {
      this.#accept(url, cached, issuer, now);
      this.#remember(url, cached);
      return { der: cached.der, crl: cached.crl, fromCache: true };
    }
    let dl: Download;
    try {
      dl = await this.#download(url, cached?.etag);
    } catch (e) {
      // A CRL stays authoritative until its nextUpdate (§5.1.2.5): an unreachable server does not void it.
      if (cached && isKysoError(e, 'io') && cached.crl.nextUpdate && now <= cached.crl.nextUpdate.getTime()) {
        this.#accept(url, cached, issuer, now);
        return { der: cached.der, crl: cached.crl, fromCache: true };
      }
      throw e;
    }
    if (dl.kind === 'not-modified') {
      if (!cached) throw new KysoError('io', `${url}: the server answered 304 Not Modified to an unconditional request`);
      if (dl.etag) cached.etag = dl.etag;
      this.#accept(url, cached, issuer, now, ' (the server answered 304 Not Modified)');
      cached.freshUntil = freshUntil(now, cached.crl, dl.cacheControl);
      this.#remember(url, cached);
      return { der: cached.der, crl: cached.crl, fromCache: true };
    }
    const entry = dl.entry;
    this.#accept(url, entry, issuer, now);
    // §5.2.3: CRL numbers only increase; an older CRL served after a newer one is a replay.
    const oldNumber = cached?.crl.crlNumber;
    const newNumber = entry.crl.crlNumber;
    if (cached && cached.crl.issuer.key === entry.crl.issuer.key && oldNumber !== undefined && newNumber !== undefined && newNumber < oldNumber) {
      throw new KysoError('malformed', `${url}: the server sent CRL number ${newNumber}, older than number ${oldNumber} already seen (RFC 5280 §5.2.3)`);
    }
    entry.freshUntil = freshUntil(now, entry.crl, dl.cacheControl);
    if (dl.cacheControl.noStore) this.#cache.delete(url);
    else this.#remember(url, entry);
    return { der: entry.der, crl: entry.crl, fromCache: false };
  }

  /**
   * The revocation status of `cert` from the full CRL at the first usable HTTP(S) URI of its
   * cRLDistributionPoints (RFC 5280 §4.2.1.13, §6.3.3). Distribution points that name another CRL
   * issuer (indirect CRLs) or only some reasons are not used; a CRL whose issuingDistributionPoint
   * (§5.2.5) does not cover the certificate, or that is a delta CRL (§5.2.4), is not used. A
   * certificateHold entry (§5.3.1) answers 'revoked' with that reason. Throws KysoError('not-found')
   * when the certificate names no HTTP(S) distribution point, and KysoError('io'|'malformed') naming
   * every URL tried when none gave a usable CRL.
   */
  async status(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<CrlStatus> {
    const issuerKey = nameKey(issuer.subjectDer);
    if (nameKey(cert.issuerDer) !== issuerKey) {
      throw new KysoError('invalid-argument', `certificate "${cert.subjectString}" is issued by "${cert.issuerString}", not by "${issuer.subjectString}"`);
    }
    const ext = findExtension(cert, OID.crlDistributionPoints);
    let dps: DistributionPoint[] = [];
    if (ext) {
      try { dps = parseDistributionPoints(ext.value); } catch (e) {
        throw new KysoError('malformed', `certificate "${cert.subjectString}": unreadable cRLDistributionPoints: ${(e as Error).message}`, { cause: e });
      }
    }
    const problems: string[] = [];
    let anyIo = false;
    let tried = 0;
    for (const dp of dps) {
      const uris = (dp.distributionPoint?.fullName ?? []).flatMap((g) => (g.type === 'uri' && /^https?:\/\//i.test(g.value) ? [g.value] : []));
      for (const url of uris) {
        tried++;
        if (dp.crlIssuer) { problems.push(`${url}: the distribution point names another CRL issuer (indirect CRLs are not fetched)`); continue; }
        if (dp.reasons) { problems.push(`${url}: the distribution point covers only some revocation reasons`); continue; }
        let got: FetchedCrl;
        try {
          got = await this.get(url, issuer);
        } catch (e) {
          if (!(e instanceof KysoError)) throw e;
          if (e.kind === 'io') anyIo = true;
          problems.push(e.message.startsWith(url) ? e.message : `${url}: ${e.message}`);
          continue;
        }
        const crl = got.crl;
        const scope = scopeProblem(crl, cert, dp.distributionPoint?.fullName ?? []);
        if (scope) { problems.push(`${url}: ${scope}`); continue; }
        const entry = findRevokedEntry(crl, issuerKey, cert.serialHex);
        const base = { crlUrl: url, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
        if (!entry || entry.reasonCode === 8) return { status: 'good', ...base };
        return { status: 'revoked', revokedAt: entry.revocationDate, reason: CRL_REASONS[entry.reasonCode ?? 0] ?? 'unspecified', ...base };
      }
    }
    if (tried === 0) throw new KysoError('not-found', `certificate "${cert.subjectString}" names no HTTP(S) CRL distribution point`);
    throw new KysoError(anyIo ? 'io' : 'malformed', `no usable CRL for certificate "${cert.subjectString}": ${problems.join('; ')}`, { details: problems });
  }

  /** Drops every cached CRL. */
  clear(): void {
    this.#cache.clear();
  }

  /** One download per URL at a time; concurrent callers share it (and then check it themselves). */
  #download(url: string, etag: string | undefined): Promise<Download> {
    let p = this.#inflight.get(url);
    if (!p) {
      p = this.#fetchOnce(url, etag).finally(() => this.#inflight.delete(url));
      this.#inflight.set(url, p);
    }
    return p;
  }

  async #fetchOnce(url: string, etag: string | undefined): Promise<Download> {
    const res = await fetchBytes(url, {
      accept: 'application/pkix-crl, application/x-pem-file;q=0.9, */*;q=0.5',
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
      headers: etag ? { 'if-none-match': etag } : undefined,
    });
    const cacheControl = parseCacheControl(res.headers.get('cache-control'));
    const newEtag = res.headers.get('etag') ?? undefined;
    if (res.status === 304) return { kind: 'not-modified', etag: newEtag, cacheControl };
    if (res.status !== 200) throw new KysoError('io', `${url}: HTTP ${res.status} instead of a CRL`);
    if (res.body.length === 0) throw new KysoError('malformed', `${url}: empty response instead of a CRL`);
    let der: Uint8Array;
    let crl: ParsedCrl;
    try {
      der = derOrPem(res.body, ['X509 CRL'])[0]!;
      crl = parseCrl(der);
    } catch (e) {
      throw new KysoError('malformed', `${url}: not a CRL: ${(e as Error).message}`, { cause: e });
    }
    return { kind: 'new', cacheControl, entry: { der, crl, etag: newEtag, freshUntil: 0, verifiedWith: new Set() } };
  }

  /** The checks of `get` on a CRL (new or cached) for this issuer at `now`; throws KysoError('malformed'). */
  #accept(url: string, e: CacheEntry, issuer: ParsedCertificate, now: number, note = ''): void {
    const crl = e.crl;
    if (crl.issuer.key !== nameKey(issuer.subjectDer)) {
      throw new KysoError('malformed', `${url}: the CRL is issued by "${formatNameDer(crl.issuer.der)}", not by "${issuer.subjectString}"`);
    }
    const spkiKey = toHex(issuer.spki);
    if (!e.verifiedWith.has(spkiKey)) {
      const ku = getKeyUsage(issuer);
      if (ku && !ku.has('cRLSign')) throw new KysoError('malformed', `${url}: the certificate of "${issuer.subjectString}" does not allow CRL signing (RFC 5280 §4.2.1.3)`);
      const ski = getSubjectKeyIdentifier(issuer);
      if (crl.authorityKeyIdentifier && ski && !equalBytes(crl.authorityKeyIdentifier, ski)) {
        throw new KysoError('malformed', `${url}: the CRL names key ${toHex(crl.authorityKeyIdentifier)}, not the key ${toHex(ski)} of "${issuer.subjectString}"`);
      }
      if (!verifyCrlSignature(crl, issuer.spki, this.#crypto)) {
        throw new KysoError('malformed', `${url}: the CRL signature does not verify with the key of "${issuer.subjectString}"`);
      }
      e.verifiedWith.add(spkiKey);
    }
    const unknown = [...crl.unknownCriticalExtensions, ...crl.unknownCriticalEntryExtensions];
    if (unknown.length) throw new KysoError('malformed', `${url}: the CRL has an unrecognised critical extension ${unknown[0]} (RFC 5280 §5.2)`);
    if (crl.thisUpdate.getTime() > now + this.#skewMs) {
      throw new KysoError('malformed', `${url}: the CRL is dated ${crl.thisUpdate.toISOString()}, in the future`);
    }
    if (!crl.nextUpdate) throw new KysoError('malformed', `${url}: the CRL has no nextUpdate, so its currency cannot be judged (RFC 5280 §5.1.2.5)`);
    if (crl.nextUpdate.getTime() < now) {
      throw new KysoError('malformed', `${url}: the CRL expired at ${crl.nextUpdate.toISOString()}${note}`);
    }
  }

  #remember(url: string, e: CacheEntry): void {
    this.#cache.delete(url);
    this.#cache.set(url, e);
    while (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
  }
}

const nameKeys = new WeakMap<Uint8Array, string>();
function nameKey(der: Uint8Array): string {
  let k = nameKeys.get(der);
  if (k === undefined) {
    k = parseDistinguishedName(der).key;
    nameKeys.set(der, k);
  }
  return k;
}

/** Until when a CRL is used without asking the server: nextUpdate, or sooner per Cache-Control. */
function freshUntil(now: number, crl: ParsedCrl, cc: CacheControl): number {
  if (cc.noCache || cc.noStore) return now;
  const next = crl.nextUpdate?.getTime() ?? now;
  return cc.maxAgeMs === undefined ? next : Math.min(next, now + cc.maxAgeMs);
}

/**
 * §6.3.3 (b)(2), (d): whether a full CRL covers this certificate through this distribution point;
 * a reason when it does not.
 */
function scopeProblem(crl: ParsedCrl, cert: ParsedCertificate, dpNames: GeneralName[]): string | undefined {
  if (crl.deltaBase !== undefined) return 'it is a delta CRL, not a complete one (RFC 5280 §5.2.4)';
  const idp = crl.idp;
  if (!idp) return undefined;
  const isCa = getBasicConstraints(cert)?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return 'the CRL covers end-entity certificates only';
  if (idp.onlyContainsCACerts && !isCa) return 'the CRL covers CA certificates only';
  if (idp.onlyContainsAttributeCerts) return 'the CRL covers attribute certificates only';
  if (idp.onlySomeReasons) return 'the CRL covers only some revocation reasons';
  if (idp.distributionPoint) {
    const names = idp.distributionPoint.fullName;
    if (!names || !names.some((a) => dpNames.some((b) => generalNamesEqual(a, b)))) {
      return 'the CRL\'s issuing distribution point is not the certificate\'s distribution point (RFC 5280 §5.2.5)';
    }
  }
  return undefined;
}
