/**
 * Password hashing with argon2id (RFC 9106; OWASP's parameters: m=19 MiB, t=2, p=1), through the
 * @node-rs/argon2 binding. A dummy hash is verified for unknown users so timing does not reveal
 * which usernames exist.
 */
import { hash, verify } from '@node-rs/argon2';
import { KysoError } from '@kyso/core';

const PARAMS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function checkPasswordPolicy(password: string): void {
  if (password.length < 10) throw new KysoError('invalid-argument', 'a password needs at least 10 characters');
  if (password.length > 256) throw new KysoError('invalid-argument', 'a password has at most 256 characters');
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return hash(password.normalize('NFC'), PARAMS);
}

let dummy: Promise<string> | undefined;

/** True when `password` matches; `stored` undefined → verifies a dummy hash and returns false. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hash('kyso-dummy-password', PARAMS);
    await verify(await dummy, password.normalize('NFC')).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password.normalize('NFC'));
  } catch {
    return false;
  }
}
