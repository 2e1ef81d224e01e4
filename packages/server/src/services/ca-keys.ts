/**
 * Where CA keys live: an encrypted PKCS#8 blob in the database (PBES2, under the CA passphrase) or a
 * non-extractable key inside a PKCS#11 token (PIN = the same secret). Either way the rest of kyso
 * sees a `Signer`.
 */
import { sha256Hex } from '../crypto/node-crypto.ts';
import { KysoError, keySpecName, type KeySpec, type Signer } from '@kyso/core';
import type { Kysely, Transaction } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';
import { KeyObjectSigner } from '../keys/key-object-signer.ts';
import { decryptPrivateKey, encryptPrivateKey, generateKeyPair } from '../keys/encrypted-pkcs8.ts';
import { Pkcs11Token, generatePkcs11KeyPair, openPkcs11Signer } from '../keys/pkcs11-signer.ts';

export type KeyStorage = { type: 'encrypted-file' } | { type: 'pkcs11'; module: string; token: string };

type Db = Kysely<KysoDatabase> | Transaction<KysoDatabase>;

const tokens = new Map<string, Pkcs11Token>();
function openToken(module: string, token: string, pin: string): Pkcs11Token {
  const id = `${module}\u0000${token}`;
  let t = tokens.get(id);
  if (!t) {
    t = Pkcs11Token.open({ module, tokenLabel: token, pin });
    tokens.set(id, t);
  }
  return t;
}

/** Closes PKCS#11 sessions opened by this process (CLI exit, tests). */
export function closeCaKeyTokens(): void {
  for (const t of tokens.values()) t.close();
  tokens.clear();
}

/** Makes a new CA key in the configured storage and records it. */
export async function createCaKey(db: Db, params: { id: string; spec: KeySpec; storage: KeyStorage; secret: string; at: Date }): Promise<Signer> {
  let signer: Signer;
  let row: { encrypted_pem: string | null; pkcs11: string | null; kind: 'encrypted-pkcs8' | 'pkcs11' };
  if (params.storage.type === 'pkcs11') {
    const token = openToken(params.storage.module, params.storage.token, params.secret);
    const label = `kyso-${params.id}`;
    signer = await generatePkcs11KeyPair(token, { label, spec: params.spec });
    row = { kind: 'pkcs11', encrypted_pem: null, pkcs11: JSON.stringify({ module: params.storage.module, token: params.storage.token, label }) };
  } else {
    const key = generateKeyPair(params.spec);
    row = { kind: 'encrypted-pkcs8', encrypted_pem: await encryptPrivateKey(key, params.secret), pkcs11: null };
    signer = new KeyObjectSigner(key);
  }
  await db.insertInto('keys').values({
    id: params.id, ...row, spki: signer.publicKey, key_spec: keySpecName(params.spec), created_at: params.at.toISOString(),
  }).execute();
  return signer;
}

/** Unlocks a recorded CA key. Wrong passphrase/PIN → KysoError('auth'). */
export async function loadCaSigner(db: Db, id: string, secret: string): Promise<Signer> {
  const row = await db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new KysoError('not-found', `CA key ${id} is not in this CA directory`);
  let signer: Signer;
  if (row.kind === 'pkcs11') {
    const ref = JSON.parse(row.pkcs11 ?? '{}') as { module: string; token: string; label: string };
    signer = await openPkcs11Signer(openToken(ref.module, ref.token, secret), { label: ref.label });
  } else {
    signer = new KeyObjectSigner(await decryptPrivateKey(row.encrypted_pem ?? '', secret));
  }
  if (sha256Hex(row.spki) !== sha256Hex(signer.publicKey)) throw new KysoError('internal', `CA key ${id} does not match its recorded public key`);
  return signer;
}
