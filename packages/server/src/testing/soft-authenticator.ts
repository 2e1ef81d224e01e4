/**
 * A software WebAuthn authenticator for tests (W3C Web Authentication Level 2): P-256 credentials
 * (COSE ES256) made with node:crypto, "none" attestation, authenticator data built by hand (§6.1:
 * rpIdHash, flags UP|UV, and AT with the attested credential data on registration, big-endian
 * signature counter) and the small CBOR subset (RFC 8949) the attestation object and COSE_Key
 * (RFC 9053 §7.1.1, EC2 P-256) need. It plays the browser too: it writes clientDataJSON with the
 * challenge and the origin it is told, and answers with the JSON shapes the server receives.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

function cborHead(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

/** CBOR encoding of integers (< 2^32), byte and text strings, arrays and maps, in the order given. */
export function cborEncode(v: Cbor): Buffer {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) >= 2 ** 32) throw new Error(`cborEncode: unsupported number ${v}`);
    return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v);
  }
  if (typeof v === 'string') { const b = Buffer.from(v, 'utf8'); return Buffer.concat([cborHead(3, b.length), b]); }
  if (v instanceof Uint8Array) return Buffer.concat([cborHead(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([cborHead(4, v.length), ...v.map(cborEncode)]);
  return Buffer.concat([cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [cborEncode(k), cborEncode(x)])]);
}

const FLAG_UP = 0x01, FLAG_UV = 0x04, FLAG_AT = 0x40;
const COSE_ES256 = -7;

interface SoftCredential { id: Buffer; rpId: string; userHandle: string; key: KeyObject; counter: number }

export interface AssertOptions {
  /** UV flag (default true). */
  userVerified?: boolean;
  /** Signature counter to report instead of the next one (a cloned authenticator). */
  counter?: number;
}

function b64u(b: Uint8Array): string { return Buffer.from(b).toString('base64url'); }

export class SoftAuthenticator {
  readonly aaguid = Buffer.alloc(16);
  readonly credentials: SoftCredential[] = [];

  /** navigator.credentials.create(): a new P-256 credential for options.rp.id. */
  register(options: PublicKeyCredentialCreationOptionsJSON, origin: string): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cred: SoftCredential = { id: randomBytes(32), rpId, userHandle: options.user.id, key: privateKey, counter: 0 };
    const coseKey = cborEncode(new Map<number, Cbor>([
      [1, 2], [3, COSE_ES256], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')],
    ]));
    cred.counter++;
    const idLen = Buffer.alloc(2); idLen.writeUInt16BE(cred.id.length);
    const authData = Buffer.concat([this.#authDataHead(rpId, FLAG_UP | FLAG_UV | FLAG_AT, cred.counter), this.aaguid, idLen, cred.id, coseKey]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }));
    const attestationObject = cborEncode(new Map<string, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.push(cred);
    return {
      id: b64u(cred.id), rawId: b64u(cred.id), type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get(): signs with the first allowed credential held for the RP id (any, if none is listed). */
  assert(options: PublicKeyCredentialRequestOptionsJSON, origin: string, opts: AssertOptions = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const cred = this.credentials.find((c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(b64u(c.id))));
    if (!cred) throw new Error(`SoftAuthenticator: no credential for ${rpId}`);
    cred.counter = opts.counter ?? cred.counter + 1;
    const authData = this.#authDataHead(rpId, FLAG_UP | (opts.userVerified === false ? 0 : FLAG_UV), cred.counter);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), cred.key);
    return {
      id: b64u(cred.id), rawId: b64u(cred.id), type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: cred.userHandle },
    };
  }

  #authDataHead(rpId: string, flags: number, counter: number): Buffer {
    const c = Buffer.alloc(4); c.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), c]);
  }
}
