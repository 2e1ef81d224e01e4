/**
 * Keys inside a PKCS#11 token (OASIS PKCS#11 Cryptographic Token Interface Base Specification
 * v2.40 / v3.0): HSMs for CA keys, USB tokens for subscribers, SoftHSM2 in tests.
 *
 * The private key never leaves the token: it is generated there with CKA_SENSITIVE=true and
 * CKA_EXTRACTABLE=false (PKCS#11 v2.40 §4.9, Table 36) and used only through C_Sign.
 *
 * Calls are synchronous: a PKCS#11 session is single-threaded (v2.40 §5.6) and kyso initialises
 * modules without OS locking, so every call on a token runs on the calling thread, one at a time.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import {
  hashLength, hashOid, KysoError, OID, requireAcceptableHash, requireAcceptableKey, type HashName, type KeySpec,
  type SignatureAlgorithm, type Signer,
} from '@kyso/core';
import { DER_NULL, derAlgorithm, derBitString, derInteger, derOctetString, derOid, derSequence, expectTag, parseAsn1, spkiPublicKeyBits, TAG } from './asn1.ts';

type PKCS11 = pkcs11js.PKCS11;
type Handle = Buffer;

const C = pkcs11js;

// ---------------------------------------------------------------------------------------------
// Errors

const PIN_ERRORS = new Set([C.CKR_PIN_INCORRECT, C.CKR_PIN_INVALID, C.CKR_PIN_LEN_RANGE, C.CKR_PIN_EXPIRED]);

function ckr(e: unknown): { name: string; code: number } | undefined {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number' && /^CKR_/.test(e.message)) {
    return { name: e.message, code: (e as unknown as { code: number }).code };
  }
  return undefined;
}

/** Maps a Cryptoki return value to a KysoError kind (PKCS#11 v2.40 §5.1 return values). */
function p11Error(e: unknown, what: string): KysoError {
  if (e instanceof KysoError) return e;
  const r = ckr(e);
  if (!r) return new KysoError('io', `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  let kind: 'auth' | 'unsupported' | 'io' | 'invalid-argument' = 'io';
  if (PIN_ERRORS.has(r.code) || r.code === C.CKR_PIN_LOCKED || r.code === C.CKR_USER_NOT_LOGGED_IN) kind = 'auth';
  else if ([C.CKR_MECHANISM_INVALID, C.CKR_MECHANISM_PARAM_INVALID, C.CKR_KEY_TYPE_INCONSISTENT, C.CKR_KEY_FUNCTION_NOT_PERMITTED,
    C.CKR_KEY_SIZE_RANGE, C.CKR_DOMAIN_PARAMS_INVALID, C.CKR_FUNCTION_NOT_SUPPORTED].includes(r.code)) kind = 'unsupported';
  else if ([C.CKR_ARGUMENTS_BAD, C.CKR_DATA_LEN_RANGE, C.CKR_TEMPLATE_INCONSISTENT, C.CKR_ATTRIBUTE_VALUE_INVALID].includes(r.code)) kind = 'invalid-argument';
  const hint = r.code === C.CKR_PIN_LOCKED ? ' (the PIN is locked)' : r.code === C.CKR_USER_NOT_LOGGED_IN ? ' (log in with the user PIN first)' : '';
  return new KysoError(kind, `${what}: ${r.name}${hint}`, { cause: e });
}

// ---------------------------------------------------------------------------------------------
// Modules: one PKCS11 instance per library path, shared by the tokens opened from it.

const modules = new Map<string, { lib: PKCS11; refs: number }>();

function acquireModule(path: string): PKCS11 {
  const loaded = modules.get(path);
  if (loaded) { loaded.refs++; return loaded.lib; }
  const lib = new C.PKCS11();
  try {
    lib.load(path);
  } catch (e) {
    throw new KysoError('not-found', `cannot load PKCS#11 module ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    lib.C_Initialize();
  } catch (e) {
    if (ckr(e)?.code !== C.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try { lib.close(); } catch { /* ignore */ }
      throw p11Error(e, `C_Initialize of ${path}`);
    }
  }
  modules.set(path, { lib, refs: 1 });
  return lib;
}

function releaseModule(path: string): void {
  const m = modules.get(path);
  if (!m) return;
  if (--m.refs > 0) return;
  modules.delete(path);
  try { m.lib.C_Finalize(); } catch { /* ignore */ }
  try { m.lib.close(); } catch { /* ignore */ }
}

const readUlong = (b: Buffer): number => (b.length >= 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0));
const readBool = (b: Buffer | undefined): boolean => !!b && b.length > 0 && b[0] !== 0;

// ---------------------------------------------------------------------------------------------
// Token

/**
 * An open read/write session with one token (PKCS#11 v2.40 §5.6 C_OpenSession), found by its
 * label (CK_TOKEN_INFO.label, §3.2). Call {@link login} before using private keys, {@link close}
 * when done.
 */
export class Pkcs11Token {
  /** The module (low-level access, e.g. for audits). */
  readonly pkcs11: PKCS11;
  /** The session handle (low-level access). */
  readonly session: Handle;
  readonly slot: Handle;
  readonly label: string;
  readonly modulePath: string;
  #closed = false;
  #mechanisms: Set<number> | undefined;

  private constructor(modulePath: string, pkcs11: PKCS11, slot: Handle, label: string, session: Handle) {
    this.modulePath = modulePath;
    this.pkcs11 = pkcs11;
    this.slot = slot;
    this.label = label;
    this.session = session;
  }

  /**
   * Loads the module (once per process and path), finds the token whose label is `tokenLabel`
   * among slots with a token present (C_GetSlotList / C_GetTokenInfo) and opens a R/W session;
   * with `pin`, also logs in. Unknown label → KysoError('not-found'); wrong PIN → 'auth'.
   */
  static open(modulePath: string, tokenLabel: string): Pkcs11Token;
  static open(options: { module: string; tokenLabel: string; pin?: string }): Pkcs11Token;
  static open(a: string | { module: string; tokenLabel: string; pin?: string }, b?: string): Pkcs11Token {
    const modulePath = typeof a === 'string' ? a : a.module;
    const tokenLabel = typeof a === 'string' ? b ?? '' : a.tokenLabel;
    const pin = typeof a === 'string' ? undefined : a.pin;
    const lib = acquireModule(modulePath);
    let token: Pkcs11Token | undefined;
    try {
      const labels: string[] = [];
      for (const slot of lib.C_GetSlotList(true)) {
        const label = lib.C_GetTokenInfo(slot).label.replace(/[\s\0]+$/, '');
        labels.push(label);
        if (label === tokenLabel) {
          const session = lib.C_OpenSession(slot, C.CKF_SERIAL_SESSION | C.CKF_RW_SESSION);
          token = new Pkcs11Token(modulePath, lib, slot, label, session);
          break;
        }
      }
      if (!token) throw new KysoError('not-found', `no PKCS#11 token labelled "${tokenLabel}" (found: ${labels.map((l) => `"${l}"`).join(', ') || 'none'})`);
    } catch (e) {
      releaseModule(modulePath);
      throw p11Error(e, `opening token "${tokenLabel}"`);
    }
    if (pin !== undefined) {
      try {
        token.login(pin);
      } catch (e) {
        token.close();
        throw e;
      }
    }
    return token;
  }

  /**
   * C_Login as the normal user (§5.6). Wrong PIN → KysoError('auth'); already logged in (by this
   * or another session of this process) is fine.
   */
  login(pin: string): void {
    this.#check();
    try {
      this.pkcs11.C_Login(this.session, C.CKU_USER, pin);
    } catch (e) {
      const r = ckr(e);
      if (r?.code === C.CKR_USER_ALREADY_LOGGED_IN) return;
      if (r && PIN_ERRORS.has(r.code)) throw new KysoError('auth', `wrong PIN for token "${this.label}"`, { cause: e });
      throw p11Error(e, `login to token "${this.label}"`);
    }
  }

  /**
   * Logs the user out (C_Logout). The login state belongs to the application and token, not to a
   * session (v2.40 §5.6): this logs out every Pkcs11Token of this process open on the same token.
   */
  logout(): void {
    this.#check();
    try { this.pkcs11.C_Logout(this.session); } catch (e) {
      if (ckr(e)?.code !== C.CKR_USER_NOT_LOGGED_IN) throw p11Error(e, `logout from token "${this.label}"`);
    }
  }

  /**
   * Closes the session and, with the last token of the module, finalises it. Idempotent. It does
   * not call C_Logout, which would also log out other open tokens of this process: closing the
   * last session to a token ends the login (v2.40 §5.6, C_CloseSession).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try { this.pkcs11.C_CloseSession(this.session); } catch { /* ignore */ }
    releaseModule(this.modulePath);
  }

  /** The mechanisms the token supports (C_GetMechanismList, §5.5). */
  mechanisms(): Set<number> {
    this.#check();
    this.#mechanisms ??= new Set(this.pkcs11.C_GetMechanismList(this.slot));
    return this.#mechanisms;
  }

  /** @internal Finds objects matching a template (C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal). */
  find(template: pkcs11js.Template): Handle[] {
    this.#check();
    const out: Handle[] = [];
    this.pkcs11.C_FindObjectsInit(this.session, template);
    try {
      for (;;) {
        const batch = this.pkcs11.C_FindObjects(this.session, 16);
        if (batch.length === 0) break;
        out.push(...batch);
      }
    } finally {
      this.pkcs11.C_FindObjectsFinal(this.session);
    }
    return out;
  }

  /** @internal */
  attributes(handle: Handle, types: number[]): Map<number, Buffer> {
    this.#check();
    const res = this.pkcs11.C_GetAttributeValue(this.session, handle, types.map((type) => ({ type })));
    return new Map(res.map((a) => [a.type, a.value as Buffer]));
  }

  #check(): void {
    if (this.#closed) throw new KysoError('invalid-argument', `token "${this.label}" is closed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Public keys

const CURVES: Array<{ curve: 'P-256' | 'P-384'; oidDer: Uint8Array; size: number }> = [
  { curve: 'P-256', oidDer: derOid(OID.secp256r1), size: 32 },
  { curve: 'P-384', oidDer: derOid(OID.secp384r1), size: 48 },
];

/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for RSA (RFC 8017 Appendix A.1.1, RFC 3279 §2.3.1). */
function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  return derSequence(derAlgorithm(OID.rsaEncryption, DER_NULL), derBitString(derSequence(derInteger(modulus), derInteger(exponent))));
}

/**
 * SubjectPublicKeyInfo for EC (RFC 5480 §2). CKA_EC_POINT is DER OCTET STRING(04‖X‖Y) per
 * PKCS#11 v2.40 §2.3.3; some tokens return the raw point, which is accepted too.
 */
function ecSpki(ecParams: Uint8Array, ecPoint: Uint8Array): Uint8Array {
  const curve = CURVES.find((c) => Buffer.compare(Buffer.from(c.oidDer), Buffer.from(ecParams)) === 0);
  if (!curve) throw new KysoError('unsupported', 'EC key on a curve other than P-256/P-384');
  let point = ecPoint;
  if (!(ecPoint.length === 1 + 2 * curve.size && ecPoint[0] === 0x04)) {
    point = expectTag(parseAsn1(ecPoint, 'CKA_EC_POINT'), TAG.OCTET_STRING, 'CKA_EC_POINT').content;
  }
  if (point.length !== 1 + 2 * curve.size || point[0] !== 0x04) throw new KysoError('malformed', 'CKA_EC_POINT is not an uncompressed point');
  return derSequence(derAlgorithm(OID.ecPublicKey, curve.oidDer), derBitString(point));
}

// ---------------------------------------------------------------------------------------------
// The signer

const HASH_MECH: Record<'SHA-256' | 'SHA-384' | 'SHA-512', { pkcs1: number; pss: number; hash: number; mgf: number; node: string }> = {
  'SHA-256': { pkcs1: C.CKM_SHA256_RSA_PKCS, pss: C.CKM_SHA256_RSA_PKCS_PSS, hash: C.CKM_SHA256, mgf: C.CKG_MGF1_SHA256, node: 'sha256' },
  'SHA-384': { pkcs1: C.CKM_SHA384_RSA_PKCS, pss: C.CKM_SHA384_RSA_PKCS_PSS, hash: C.CKM_SHA384, mgf: C.CKG_MGF1_SHA384, node: 'sha384' },
  'SHA-512': { pkcs1: C.CKM_SHA512_RSA_PKCS, pss: C.CKM_SHA512_RSA_PKCS_PSS, hash: C.CKM_SHA512, mgf: C.CKG_MGF1_SHA512, node: 'sha512' },
};

/** Attributes that show how a private key is protected (PKCS#11 v2.40 §4.9 Table 36). */
export interface Pkcs11KeyAttributes {
  token: boolean;
  private: boolean;
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
  sign: boolean;
}

export interface Pkcs11SignerOptions {
  /**
   * Hash with node:crypto and send only the digest (CKM_RSA_PKCS with a DigestInfo, CKM_RSA_PKCS_PSS,
   * CKM_ECDSA). Chosen automatically when the token lacks the CKM_SHAxxx_RSA_PKCS[_PSS] mechanisms.
   */
  hashInSoftware?: boolean;
}

/**
 * A {@link Signer} whose private key stays in a PKCS#11 token. Signatures:
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2; CKM_SHAxxx_RSA_PKCS, PKCS#11 v2.40 §2.1.10),
 * RSASSA-PSS (RFC 8017 §8.1 with MGF1 of the same hash; CKM_SHAxxx_RSA_PKCS_PSS, §2.1.11) and
 * ECDSA (hash in software, CKM_ECDSA §2.3.6; r‖s re-encoded as Ecdsa-Sig-Value, RFC 5480 §2.2 /
 * RFC 5758 §3.2). Only SHA-256/384/512 are used for new signatures.
 */
export class Pkcs11Signer implements Signer {
  readonly keySpec: KeySpec;
  readonly publicKey: Uint8Array;
  readonly label: string;
  readonly id: Uint8Array;
  readonly token: Pkcs11Token;
  /** The private key object handle (low-level access). */
  readonly privateKeyHandle: Handle;
  readonly #hashInSoftware: boolean;

  /** @internal Use {@link generatePkcs11KeyPair} or {@link openPkcs11Signer}. */
  constructor(token: Pkcs11Token, privateKeyHandle: Handle, publicKey: Uint8Array, label: string, id: Uint8Array, options?: Pkcs11SignerOptions) {
    this.token = token;
    this.privateKeyHandle = privateKeyHandle;
    this.publicKey = publicKey;
    this.keySpec = requireAcceptableKey(publicKey);
    this.label = label;
    this.id = id;
    this.#hashInSoftware = options?.hashInSoftware ?? false;
  }

  async sign(data: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    return this.signSync(data, algorithm);
  }

  /** Synchronous form of {@link sign}. */
  signSync(data: Uint8Array, algorithm: SignatureAlgorithm): Uint8Array {
    const hash: HashName | null = algorithm.hash;
    requireAcceptableHash(hash);
    const isEc = this.keySpec.kind === 'ec';
    if (algorithm.scheme !== 'ECDSA' && algorithm.scheme !== 'RSASSA-PSS' && algorithm.scheme !== 'RSASSA-PKCS1-v1_5') {
      throw new KysoError('unsupported', `${algorithm.scheme} signatures are not made with PKCS#11 keys`);
    }
    if ((algorithm.scheme === 'ECDSA') !== isEc) {
      throw new KysoError('invalid-argument', `${algorithm.scheme} cannot be used with a ${this.keySpec.kind.toUpperCase()} key`);
    }
    const m = HASH_MECH[hash];
    const mechs = this.token.mechanisms();
    const digest = () => createHash(m.node).update(data).digest();
    let mechanism: pkcs11js.Mechanism;
    let input: Buffer;
    if (algorithm.scheme === 'ECDSA') {
      mechanism = { mechanism: C.CKM_ECDSA };
      input = digest();
    } else if (algorithm.scheme === 'RSASSA-PKCS1-v1_5') {
      if (!this.#hashInSoftware && mechs.has(m.pkcs1)) {
        mechanism = { mechanism: m.pkcs1 };
        input = Buffer.from(data);
      } else {
        // RFC 8017 §9.2 steps 1–2: DigestInfo ::= SEQUENCE { digestAlgorithm, digest OCTET STRING }.
        mechanism = { mechanism: C.CKM_RSA_PKCS };
        input = Buffer.from(derSequence(derAlgorithm(hashOid(hash), DER_NULL), derOctetString(digest())));
      }
    } else {
      const saltLen = algorithm.saltLength ?? hashLength(hash);
      const parameter: pkcs11js.RsaPSS = { type: C.CK_PARAMS_RSA_PSS, hashAlg: m.hash, mgf: m.mgf, saltLen };
      if (!this.#hashInSoftware && mechs.has(m.pss)) {
        mechanism = { mechanism: m.pss, parameter };
        input = Buffer.from(data);
      } else {
        mechanism = { mechanism: C.CKM_RSA_PKCS_PSS, parameter };
        input = digest();
      }
    }
    let sig: Buffer;
    try {
      this.token.pkcs11.C_SignInit(this.token.session, mechanism, this.privateKeyHandle);
      sig = this.token.pkcs11.C_Sign(this.token.session, input, Buffer.alloc(1024));
    } catch (e) {
      throw p11Error(e, `signing with "${this.label}" on token "${this.token.label}"`);
    }
    if (!isEc) return new Uint8Array(sig);
    // PKCS#11 v2.40 §2.3.1: ECDSA signature = r ‖ s, each the size of the group order.
    const n = sig.length / 2;
    if (!Number.isInteger(n) || n === 0) throw new KysoError('io', `token returned an ECDSA signature of ${sig.length} bytes`);
    return derSequence(derInteger(sig.subarray(0, n)), derInteger(sig.subarray(n)));
  }

  /** Reads the protection attributes of the private key (an audit, e.g. at a key ceremony). */
  keyAttributes(): Pkcs11KeyAttributes {
    const a = this.token.attributes(this.privateKeyHandle, [
      C.CKA_TOKEN, C.CKA_PRIVATE, C.CKA_SENSITIVE, C.CKA_EXTRACTABLE, C.CKA_ALWAYS_SENSITIVE, C.CKA_NEVER_EXTRACTABLE, C.CKA_SIGN,
    ]);
    return {
      token: readBool(a.get(C.CKA_TOKEN)),
      private: readBool(a.get(C.CKA_PRIVATE)),
      sensitive: readBool(a.get(C.CKA_SENSITIVE)),
      extractable: readBool(a.get(C.CKA_EXTRACTABLE)),
      alwaysSensitive: readBool(a.get(C.CKA_ALWAYS_SENSITIVE)),
      neverExtractable: readBool(a.get(C.CKA_NEVER_EXTRACTABLE)),
      sign: readBool(a.get(C.CKA_SIGN)),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Creating and finding keys

function findPrivateKeys(token: Pkcs11Token, by: { label?: string; id?: Uint8Array }): Handle[] {
  const template: pkcs11js.Template = [{ type: C.CKA_CLASS, value: C.CKO_PRIVATE_KEY }];
  if (by.label !== undefined) template.push({ type: C.CKA_LABEL, value: by.label });
  if (by.id !== undefined) template.push({ type: C.CKA_ID, value: Buffer.from(by.id) });
  return token.find(template);
}

/** The DER SPKI of a key pair: from the public key object, the RSA private key, or a certificate with the same CKA_ID. */
function publicKeyOf(token: Pkcs11Token, privateKey: Handle, keyType: number, label: string, id: Uint8Array): Uint8Array {
  const byIdOrLabel: pkcs11js.Template = id.length > 0 ? [{ type: C.CKA_ID, value: Buffer.from(id) }] : [{ type: C.CKA_LABEL, value: label }];
  const pub = token.find([{ type: C.CKA_CLASS, value: C.CKO_PUBLIC_KEY }, ...byIdOrLabel])[0];
  if (keyType === C.CKK_RSA) {
    // CKA_MODULUS / CKA_PUBLIC_EXPONENT are readable on the private key too (§2.1.3 Table 4), even when sensitive.
    const a = token.attributes(pub ?? privateKey, [C.CKA_MODULUS, C.CKA_PUBLIC_EXPONENT]);
    return rsaSpki(a.get(C.CKA_MODULUS)!, a.get(C.CKA_PUBLIC_EXPONENT)!);
  }
  if (keyType === C.CKK_EC) {
    if (pub) {
      const a = token.attributes(pub, [C.CKA_EC_PARAMS, C.CKA_EC_POINT]);
      return ecSpki(a.get(C.CKA_EC_PARAMS)!, a.get(C.CKA_EC_POINT)!);
    }
    const cert = id.length > 0 ? token.find([{ type: C.CKA_CLASS, value: C.CKO_CERTIFICATE }, ...byIdOrLabel])[0] : undefined;
    if (cert) {
      const value = token.attributes(cert, [C.CKA_VALUE]).get(C.CKA_VALUE)!;
      return new Uint8Array(new X509Certificate(value).publicKey.export({ type: 'spki', format: 'der' }));
    }
    throw new KysoError('not-found', `no public key or certificate for EC key "${label}" on token "${token.label}"`);
  }
  throw new KysoError('unsupported', `key "${label}" has PKCS#11 key type ${keyType}: kyso uses RSA and EC keys`);
}

/**
 * Generates a key pair inside the token (C_GenerateKeyPair, PKCS#11 v2.40 §5.14): RSA
 * (CKM_RSA_PKCS_KEY_PAIR_GEN, e = 65537) or EC P-256/P-384 (CKM_EC_KEY_PAIR_GEN, CKA_EC_PARAMS =
 * DER curve OID, RFC 5480 §2.1.1.1). The private key is CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE,
 * not CKA_EXTRACTABLE, CKA_SIGN only. CKA_ID defaults to SHA-1 of the public key bits (the
 * RFC 5280 §4.2.1.2 key identifier, which is how certificates are later matched to keys).
 * A private key with the same label → KysoError('conflict'). Needs {@link Pkcs11Token.login}.
 */
export function generatePkcs11KeyPair(token: Pkcs11Token, options: { label: string; id?: Uint8Array; spec: KeySpec }): Pkcs11Signer {
  const { label, spec } = options;
  if (!label) throw new KysoError('invalid-argument', 'a PKCS#11 key needs a label');
  try {
    if (findPrivateKeys(token, { label }).length > 0) {
      throw new KysoError('conflict', `token "${token.label}" already holds a private key labelled "${label}"`);
    }
  } catch (e) {
    throw p11Error(e, 'looking for existing keys');
  }
  const tempId = Buffer.from(options.id ?? randomBytes(20));
  let mechanism: number;
  let keyType: number;
  let publicSpecific: pkcs11js.Template;
  if (spec.kind === 'rsa') {
    if (![2048, 3072, 4096].includes(spec.bits)) throw new KysoError('weak-crypto', `RSA-${spec.bits} refused: use 2048, 3072 or 4096 bits`);
    mechanism = C.CKM_RSA_PKCS_KEY_PAIR_GEN;
    keyType = C.CKK_RSA;
    publicSpecific = [{ type: C.CKA_MODULUS_BITS, value: spec.bits }, { type: C.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) }];
  } else {
    const curve = CURVES.find((c) => c.curve === spec.curve);
    if (!curve) throw new KysoError('unsupported', `EC curve ${(spec as { curve: string }).curve}: use P-256 or P-384`);
    mechanism = C.CKM_EC_KEY_PAIR_GEN;
    keyType = C.CKK_EC;
    publicSpecific = [{ type: C.CKA_EC_PARAMS, value: Buffer.from(curve.oidDer) }];
  }
  const common = (cls: number): pkcs11js.Template => [
    { type: C.CKA_CLASS, value: cls },
    { type: C.CKA_KEY_TYPE, value: keyType },
    { type: C.CKA_TOKEN, value: true },
    { type: C.CKA_LABEL, value: label },
    { type: C.CKA_ID, value: tempId },
  ];
  const publicTemplate: pkcs11js.Template = [
    ...common(C.CKO_PUBLIC_KEY),
    { type: C.CKA_PRIVATE, value: false },
    { type: C.CKA_VERIFY, value: true },
    { type: C.CKA_ENCRYPT, value: false },
    { type: C.CKA_WRAP, value: false },
    ...publicSpecific,
  ];
  const privateTemplate: pkcs11js.Template = [
    ...common(C.CKO_PRIVATE_KEY),
    { type: C.CKA_PRIVATE, value: true },
    { type: C.CKA_SENSITIVE, value: true },
    { type: C.CKA_EXTRACTABLE, value: false },
    { type: C.CKA_SIGN, value: true },
    { type: C.CKA_DECRYPT, value: false },
    { type: C.CKA_UNWRAP, value: false },
    { type: C.CKA_DERIVE, value: false },
  ];
  let pair: pkcs11js.KeyPair;
  try {
    pair = token.pkcs11.C_GenerateKeyPair(token.session, { mechanism }, publicTemplate, privateTemplate);
  } catch (e) {
    throw p11Error(e, `generating ${spec.kind === 'rsa' ? `RSA-${spec.bits}` : spec.curve} on token "${token.label}"`);
  }
  try {
    const spki = publicKeyOf(token, pair.privateKey, keyType, label, tempId);
    let id: Uint8Array = tempId;
    if (!options.id) {
      const keyId = createHash('sha1').update(spkiPublicKeyBits(spki)).digest();
      try {
        for (const h of [pair.publicKey, pair.privateKey]) token.pkcs11.C_SetAttributeValue(token.session, h, [{ type: C.CKA_ID, value: keyId }]);
        id = keyId;
      } catch {
        // Some tokens fix CKA_ID at creation: keep the random one, on both objects.
        for (const h of [pair.publicKey, pair.privateKey]) {
          try { token.pkcs11.C_SetAttributeValue(token.session, h, [{ type: C.CKA_ID, value: tempId }]); } catch { /* unchanged */ }
        }
      }
    }
    return new Pkcs11Signer(token, pair.privateKey, spki, label, new Uint8Array(id));
  } catch (e) {
    throw p11Error(e, `reading the new key "${label}"`);
  }
}

/**
 * Opens an existing private key by CKA_LABEL (and/or CKA_ID) and finds its public key (public key
 * object with the same CKA_ID, else the RSA modulus on the private key, else a certificate with the
 * same CKA_ID). No such key → KysoError('not-found'); several → 'conflict'. Needs a logged-in token
 * for private objects.
 */
export function openPkcs11Signer(token: Pkcs11Token, options: { label?: string; id?: Uint8Array } & Pkcs11SignerOptions): Pkcs11Signer {
  if (options.label === undefined && options.id === undefined) throw new KysoError('invalid-argument', 'give the label or the id of the key');
  const what = options.label !== undefined ? `"${options.label}"` : `with id ${Buffer.from(options.id!).toString('hex')}`;
  try {
    const found = findPrivateKeys(token, options);
    if (found.length === 0) throw new KysoError('not-found', `no private key ${what} on token "${token.label}" (is the token logged in?)`);
    if (found.length > 1) throw new KysoError('conflict', `${found.length} private keys ${what} on token "${token.label}": give the id too`);
    const handle = found[0]!;
    const a = token.attributes(handle, [C.CKA_KEY_TYPE, C.CKA_ID, C.CKA_LABEL]);
    const keyType = readUlong(a.get(C.CKA_KEY_TYPE)!);
    const id = new Uint8Array(a.get(C.CKA_ID) ?? Buffer.alloc(0));
    const label = (a.get(C.CKA_LABEL) ?? Buffer.alloc(0)).toString('utf8');
    const spki = publicKeyOf(token, handle, keyType, label, id);
    return new Pkcs11Signer(token, handle, spki, label, id, options);
  } catch (e) {
    throw p11Error(e, `opening key ${what}`);
  }
}
