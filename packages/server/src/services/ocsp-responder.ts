/**
 * The OCSP responder (RFC 6960). Answers for the issuing CA's certificates with a delegated responder
 * certificate (profile ocsp, id-pkix-ocsp-nocheck, §4.2.2.2) and for the issuing CA itself with the
 * root key. Responses without a nonce are served pre-signed: each (hash, serial) keeps one signed
 * response, refreshed when the status changes (`invalidate`) and before its nextUpdate, so a burst
 * of requests costs no signing. Requests with a nonce are signed fresh (the nonce must be echoed).
 * `respond` never throws: garbage gets malformedRequest, foreign issuers unauthorized, failures
 * internalError.
 */
import { KysoError, equalBytes, type Clock, type CryptoPort, type ParsedCertificate, type SignatureAlgorithm, type Signer } from '@kyso/core';
import { computeCertId, issuerHashes, type CertId } from '@kyso/core/ocsp/cert-id.ts';
import { parseOcspRequest } from '@kyso/core/ocsp/ocsp-request.ts';
import { buildOcspResponse, ocspErrorResponse, type OcspCertStatus } from '@kyso/core/ocsp/ocsp-response.ts';
import { computeKeyIdentifier } from '@kyso/core';
import type { CaId, RevocationService } from './revocation-service.ts';

interface IssuerEntry {
  caId: CaId;
  cert: ParsedCertificate;
  hashes: Map<CertId['hash'], { issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array }>;
  signer: Signer;
  signatureAlgorithm: SignatureAlgorithm;
  responderKeyHash: Uint8Array;
  certs: Uint8Array[];
}

export interface OcspResponderOptions {
  crypto: CryptoPort;
  clock: Clock;
  revocation: RevocationService;
  /** Issuing CA, answered by the delegated responder. */
  issuing: { certificate: ParsedCertificate; responder: { signer: Signer; certificate: ParsedCertificate; signatureAlgorithm: SignatureAlgorithm } };
  /** Root CA, answering for the issuing CA with its own key. */
  root?: { certificate: ParsedCertificate; signer: Signer; signatureAlgorithm: SignatureAlgorithm };
  /** Validity of a response (nextUpdate − thisUpdate), seconds; default 4 h. Refreshed after half. */
  validitySeconds?: number;
  /** Most pre-signed responses kept (default 200,000). */
  cacheSize?: number;
}

interface Cached { der: Uint8Array; refreshAt: number }

/** Identical request bytes (no nonce) map to the same pre-signed answer; keyed by the bytes themselves. */
const REQUEST_KEY_MAX = 512;
function requestKey(body: Uint8Array): string | undefined {
  return body.length <= REQUEST_KEY_MAX ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1') : undefined;
}

const HASHES: CertId['hash'][] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

export class OcspResponder {
  readonly #o: OcspResponderOptions;
  readonly #issuers: IssuerEntry[] = [];
  readonly #cache = new Map<string, Cached>();
  /** Exact request bytes → the cache entry that answered them (so a repeat skips even parsing). */
  readonly #byRequest = new Map<string, { key: string; entry: Cached }>();
  /** Statuses read from the database, kept until `invalidate` (the poller) says they changed. */
  readonly #statuses = new Map<string, OcspCertStatus>();
  readonly #validityMs: number;
  readonly #cacheSize: number;
  /** Counters for monitoring and the benchmark. */
  readonly stats = { requests: 0, presigned: 0, signed: 0, errors: 0 };

  constructor(o: OcspResponderOptions) {
    this.#o = o;
    this.#validityMs = (o.validitySeconds ?? 4 * 3600) * 1000;
    this.#cacheSize = o.cacheSize ?? 200_000;
    const entry = (caId: CaId, cert: ParsedCertificate, signer: Signer, signatureAlgorithm: SignatureAlgorithm, signerCert?: ParsedCertificate): IssuerEntry => ({
      caId, cert,
      hashes: new Map(HASHES.map((hash) => [hash, issuerHashes({ issuerNameDer: cert.subjectDer, issuerSpki: cert.spki, hash, crypto: o.crypto })])),
      signer, signatureAlgorithm,
      responderKeyHash: computeKeyIdentifier(signer.publicKey, o.crypto),
      certs: signerCert ? [signerCert.der] : [],
    });
    const r = o.issuing.responder;
    this.#issuers.push(entry('issuing', o.issuing.certificate, r.signer, r.signatureAlgorithm, r.certificate));
    if (o.root) this.#issuers.push(entry('root', o.root.certificate, o.root.signer, o.root.signatureAlgorithm));
  }

  #issuerOf(id: CertId): IssuerEntry | undefined {
    return this.#issuers.find((i) => {
      const h = i.hashes.get(id.hash);
      return h !== undefined && equalBytes(h.issuerKeyHash, id.issuerKeyHash) && equalBytes(h.issuerNameHash, id.issuerNameHash);
    });
  }

  static #key(id: CertId, caId: CaId): string {
    return `${caId}|${id.hash}|${id.serialHex}`;
  }

  /** Forgets pre-signed responses and cached statuses of these serials (after a status change). */
  invalidate(serials: Iterable<string>): void {
    const set = new Set(serials);
    if (set.size === 0) return;
    for (const k of this.#cache.keys()) if (set.has(k.slice(k.lastIndexOf('|') + 1))) this.#cache.delete(k);
    for (const [k, v] of this.#byRequest) if (set.has(v.key.slice(v.key.lastIndexOf('|') + 1))) this.#byRequest.delete(k);
    for (const k of this.#statuses.keys()) if (set.has(k.slice(k.lastIndexOf('|') + 1))) this.#statuses.delete(k);
  }

  async #status(caId: CaId, serialHex: string): Promise<OcspCertStatus> {
    const key = `${caId}|${serialHex}`;
    let status = this.#statuses.get(key);
    if (!status) {
      status = await this.#o.revocation.status(caId, serialHex);
      // Unknown serials are not remembered: a flood of random serials must not fill memory.
      if (status.kind !== 'unknown') {
        if (this.#statuses.size >= this.#cacheSize) this.#statuses.delete(this.#statuses.keys().next().value!);
        this.#statuses.set(key, status);
      }
    }
    return status;
  }

  async #sign(issuer: IssuerEntry, items: Array<{ certId: CertId; status: OcspCertStatus }>, nonce: Uint8Array | undefined, now: Date): Promise<Uint8Array> {
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    return buildOcspResponse({
      responderKeyHash: issuer.responderKeyHash, producedAt: thisUpdate,
      responses: items.map((i) => ({ certId: i.certId, status: i.status, thisUpdate, nextUpdate })),
      nonce, signer: issuer.signer, signatureAlgorithm: issuer.signatureAlgorithm, certs: issuer.certs,
    });
  }

  /**
   * The pre-signed answer to exactly these request bytes, if one is cached and fresh — synchronous,
   * so the HTTP fast path can answer without a promise. Otherwise undefined (call `respond`).
   */
  respondFromCache(body: Uint8Array): Uint8Array | undefined {
    const k = requestKey(body);
    if (k === undefined) return undefined;
    const hit = this.#byRequest.get(k);
    if (!hit || this.#cache.get(hit.key) !== hit.entry || this.#o.clock.now().getTime() >= hit.entry.refreshAt) return undefined;
    this.stats.requests++;
    this.stats.presigned++;
    return hit.entry.der;
  }

  #remember(body: Uint8Array, key: string, entry: Cached): void {
    const k = requestKey(body);
    if (k === undefined) return;
    if (this.#byRequest.size >= this.#cacheSize) this.#byRequest.delete(this.#byRequest.keys().next().value!);
    this.#byRequest.set(k, { key, entry });
  }

  /** Answers one DER OCSPRequest with a DER OCSPResponse. Never throws. */
  async respond(body: Uint8Array): Promise<Uint8Array> {
    this.stats.requests++;
    let req;
    try {
      req = parseOcspRequest(body);
    } catch {
      this.stats.errors++;
      return ocspErrorResponse('malformedRequest');
    }
    try {
      if (req.requests.length === 0) { this.stats.errors++; return ocspErrorResponse('malformedRequest'); }
      const issuer = this.#issuerOf(req.requests[0]!);
      // RFC 6960 §2.3: unauthorized when the server cannot answer for that issuer; one response is
      // signed by one key, so every CertID of a request must name the same issuer.
      if (!issuer || req.requests.some((r) => this.#issuerOf(r) !== issuer)) { this.stats.errors++; return ocspErrorResponse('unauthorized'); }
      const now = this.#o.clock.now();
      if (req.nonce === undefined && req.requests.length === 1) {
        const id = req.requests[0]!;
        const key = OcspResponder.#key(id, issuer.caId);
        const hit = this.#cache.get(key);
        if (hit && now.getTime() < hit.refreshAt) { this.stats.presigned++; this.#remember(body, key, hit); return hit.der; }
        const status = await this.#status(issuer.caId, id.serialHex);
        const der = await this.#sign(issuer, [{ certId: id, status }], undefined, now);
        this.stats.signed++;
        if (status.kind !== 'unknown') {
          if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
          const entry = { der, refreshAt: now.getTime() + this.#validityMs / 2 };
          this.#cache.set(key, entry);
          this.#remember(body, key, entry);
        }
        return der;
      }
      const items = [];
      for (const id of req.requests) items.push({ certId: id, status: await this.#status(issuer.caId, id.serialHex) });
      this.stats.signed++;
      return await this.#sign(issuer, items, req.nonce, now);
    } catch (e) {
      this.stats.errors++;
      if (e instanceof KysoError && e.kind === 'auth') return ocspErrorResponse('tryLater');
      return ocspErrorResponse('internalError');
    }
  }

  /** Pre-signs (or refreshes) the response of every known certificate of the issuing CA; returns how many. */
  async presignAll(serials: string[]): Promise<number> {
    const issuer = this.#issuers[0]!;
    const now = this.#o.clock.now();
    let n = 0;
    for (const serialHex of serials) {
      for (const hash of ['SHA-1', 'SHA-256'] as const) {
        const id = computeCertId({ issuerNameDer: issuer.cert.subjectDer, issuerSpki: issuer.cert.spki, serialHex, hash, crypto: this.#o.crypto });
        const key = OcspResponder.#key(id, issuer.caId);
        const hit = this.#cache.get(key);
        if (hit && now.getTime() < hit.refreshAt) continue;
        const status = await this.#status(issuer.caId, serialHex);
        if (status.kind === 'unknown') continue;
        this.#cache.set(key, { der: await this.#sign(issuer, [{ certId: id, status }], undefined, now), refreshAt: now.getTime() + this.#validityMs / 2 });
        n++;
      }
    }
    return n;
  }
}

