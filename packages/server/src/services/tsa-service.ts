/**
 * The timestamp authority (RFC 3161): application/timestamp-query in, application/timestamp-reply
 * out. Serial numbers are unique across instances and increasing within one (blocks reserved from a
 * database counter); the time comes from the injected clock; SHA-1 imprints are refused (badAlg).
 * `respond` never throws: every failure is a proper rejection (PKIStatusInfo with a failInfo).
 */
import { isKysoError, type Clock, type CryptoPort, type ParsedCertificate, type SignatureAlgorithm, type Signer } from '@kyso/core';
import { buildTimeStampToken, encodeTimeStampResp, encodeTstInfo, parseTimeStampReq, type PkiFailureInfo } from '@kyso/core/tsp/index.ts';
import type { Kysely } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';
import { reserveCounter } from './counters.ts';

/** Hands out serials from blocks reserved in the database, so a token costs no database write. */
export class SerialAllocator {
  #next = 0n;
  #end = 0n;
  #pending: Promise<void> | undefined;
  constructor(private readonly db: Kysely<KysoDatabase>, private readonly name: string, private readonly block = 1000) {}

  async next(): Promise<bigint> {
    while (this.#next >= this.#end) {
      this.#pending ??= (async () => {
        const first = await reserveCounter(this.db, this.name, this.block);
        this.#next = first;
        this.#end = first + BigInt(this.block);
      })().finally(() => { this.#pending = undefined; });
      await this.#pending;
    }
    return this.#next++;
  }
}

export interface TsaOptions {
  crypto: CryptoPort;
  clock: Clock;
  signer: Signer;
  signatureAlgorithm: SignatureAlgorithm;
  certificate: ParsedCertificate;
  /** Issuing CA then root, DER, added when the request asks for certificates. */
  chain: Uint8Array[];
  /** TSA policy OID written into every token (RFC 3161 §2.4.2). */
  policy: string;
  accuracy?: { seconds?: number; millis?: number; micros?: number };
  serials: SerialAllocator;
}

export class TsaService {
  readonly #o: TsaOptions;
  readonly stats = { requests: 0, granted: 0, rejected: 0 };

  constructor(o: TsaOptions) {
    this.#o = o;
  }

  #reject(failInfo: PkiFailureInfo, statusString: string): Uint8Array {
    this.stats.rejected++;
    return encodeTimeStampResp({ status: 'rejection', failInfo, statusString });
  }

  async respond(body: Uint8Array): Promise<Uint8Array> {
    this.stats.requests++;
    let req;
    try {
      req = parseTimeStampReq(body);
    } catch (e) {
      if (isKysoError(e, 'unsupported')) {
        const failInfo = ((e.details as { failInfo?: PkiFailureInfo } | undefined)?.failInfo) ?? 'badRequest';
        return this.#reject(failInfo, e.message);
      }
      return this.#reject('badDataFormat', isKysoError(e) ? e.message : 'the request could not be read');
    }
    try {
      if (req.reqPolicy !== undefined && req.reqPolicy !== this.#o.policy) return this.#reject('unacceptedPolicy', `this TSA issues under policy ${this.#o.policy} only`);
      const serial = await this.#o.serials.next();
      const tstInfo = encodeTstInfo({
        policy: this.#o.policy, hash: req.hash, messageImprint: req.messageImprint, serial, genTime: this.#o.clock.now(),
        accuracy: this.#o.accuracy, nonce: req.nonce, tsaNameDer: this.#o.certificate.subjectDer, hashParamsNull: req.hashParamsNull,
      });
      const token = await buildTimeStampToken({
        tstInfo, signer: this.#o.signer, signatureAlgorithm: this.#o.signatureAlgorithm, tsaCert: this.#o.certificate,
        chain: this.#o.chain, certReq: req.certReq, crypto: this.#o.crypto,
      });
      this.stats.granted++;
      return encodeTimeStampResp({ status: 'granted', token });
    } catch (e) {
      // RFC 3161 §2.4.2: systemFailure — never a token with a made-up time.
      return this.#reject(isKysoError(e, 'auth') ? 'timeNotAvailable' : 'systemFailure', 'the TSA could not sign this request');
    }
  }
}

