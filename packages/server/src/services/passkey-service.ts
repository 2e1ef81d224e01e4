/**
 * Passkeys (W3C Web Authentication Level 2, verified with @simplewebauthn/server): registration of
 * a user's authenticators, passwordless login, and the assertion machinery the signing approvals
 * (approvals.ts) share. The relying party is `config.rpId` / `config.rpOrigins`, else derived from
 * the public URL. Every ceremony starts from a challenge kept in `auth_challenges`: single use (the
 * row is claimed with `UPDATE … WHERE used_at IS NULL` in the transaction that acts on it, so a
 * replayed response fails) and valid for five minutes. The signature counter must increase when the
 * authenticator keeps one (WebAuthn L2 §7.2 step 21); authenticators that always report 0 (synced
 * passkeys) rely on the single-use challenge alone. User verification (PIN or biometrics) is
 * required in every ceremony.
 */
import { randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { KysoError } from '@kyso/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { AuthChallengesTable, PasskeysTable, UsersTable } from '../store/database.ts';
import type { Principal } from '../auth/principal.ts';
import type { ServerContext, Trx } from './server-context.ts';
import { startSession, toUserView, type LoginResult } from './auth-service.ts';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export type ChallengePurpose = 'register' | 'login' | 'approve';
type ChallengeRow = Selectable<AuthChallengesTable>;
type PasskeyRow = Selectable<PasskeysTable>;
type UserRow = Selectable<UsersTable>;

const b64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

/** An AuthenticationResponseJSON as browsers send it (extra members tolerated, as WebAuthn L3 adds some). */
export const assertionResponseSchema = z.looseObject({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
}) as unknown as z.ZodType<AuthenticationResponseJSON>;

/** A RegistrationResponseJSON (attestation) as browsers send it. */
export const registrationResponseSchema = z.looseObject({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(32).optional(),
}) as unknown as z.ZodType<RegistrationResponseJSON>;

export const challengeIdSchema = z.uuid();

export interface RelyingParty { id: string; name: string; origins: string[] }

/** RP id and accepted origins: from the configuration, else the public URL's host name and origin. */
export function relyingParty(ctx: ServerContext): RelyingParty {
  const url = new URL(ctx.publicUrl);
  return { id: ctx.config.rpId ?? url.hostname, name: 'kyso', origins: ctx.config.rpOrigins ?? [url.origin] };
}

/** Stores a fresh challenge; answers its id. */
async function saveChallenge(ctx: ServerContext, p: { userId: string | null; purpose: ChallengePurpose; challenge: string; payload: Record<string, unknown> }): Promise<string> {
  const id = randomUUID();
  await ctx.db.kysely.insertInto('auth_challenges').values({
    id, user_id: p.userId, purpose: p.purpose, challenge: p.challenge, payload: JSON.stringify(p.payload),
    expires_at: new Date(ctx.clock.now().getTime() + CHALLENGE_TTL_MS).toISOString(), used_at: null,
  }).execute();
  return id;
}

/** The challenge `id` for `purpose`, still usable (and bound to `userId` when given); else a clear 401. */
async function usableChallenge(ctx: ServerContext, id: string, purpose: ChallengePurpose, userId?: string): Promise<ChallengeRow> {
  const row = await ctx.db.kysely.selectFrom('auth_challenges').selectAll().where('id', '=', id).where('purpose', '=', purpose).executeTakeFirst();
  if (!row) throw new KysoError('auth', 'unknown challenge: request new options');
  if (userId !== undefined && row.user_id !== userId) throw new KysoError('auth', 'this challenge was issued to another user');
  if (row.used_at) throw new KysoError('auth', 'this challenge was already used (a replayed response?): request new options');
  if (row.expires_at <= ctx.clock.now().toISOString()) throw new KysoError('auth', 'the challenge expired (5 minutes): request new options');
  return row;
}

/** Marks the challenge used inside `trx`; fails if another request claimed it first. */
async function claimChallenge(ctx: ServerContext, trx: Trx, id: string): Promise<void> {
  const r = await trx.updateTable('auth_challenges').set({ used_at: ctx.clock.now().toISOString() }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new KysoError('auth', 'this challenge was already used (a replayed response?): request new options');
}

/** The user's passkeys, oldest first. */
export async function passkeysOf(ctx: ServerContext, userId: string): Promise<PasskeyRow[]> {
  return ctx.db.kysely.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

function descriptors(rows: PasskeyRow[]): { id: string; transports?: string[] }[] {
  return rows.map((r) => ({ id: r.credential_id, transports: r.transports ? r.transports.split(',') : undefined }));
}

/** Assertion options (navigator.credentials.get) for `allow`, stored as a challenge. */
export async function assertionOptions(ctx: ServerContext, p: { userId: string | null; purpose: ChallengePurpose; allow: PasskeyRow[]; payload: Record<string, unknown> }): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(ctx).id, allowCredentials: descriptors(p.allow), userVerification: 'required', timeout: CHALLENGE_TTL_MS,
  });
  const challengeId = await saveChallenge(ctx, { userId: p.userId, purpose: p.purpose, challenge: options.challenge, payload: p.payload });
  return { challengeId, options };
}

export interface AcceptedAssertion { challenge: ChallengeRow; payload: Record<string, unknown>; passkey: PasskeyRow; user: UserRow; newCounter: number }

/**
 * Checks an assertion against its stored challenge — purpose, owner (`userId`), unused, unexpired,
 * `check(payload, user)` — then the WebAuthn verification itself (origin, RP id, challenge, user
 * presence and verification, signature, counter), and runs `commit` in one transaction that claims
 * the challenge and stores the new counter. Any failure: KysoError('auth') and nothing changed.
 */
export async function acceptAssertion<T>(
  ctx: ServerContext,
  p: { challengeId: string; purpose: ChallengePurpose; response: AuthenticationResponseJSON; userId?: string; check?: (payload: Record<string, unknown>, user: UserRow) => void },
  commit: (trx: Trx, a: AcceptedAssertion) => Promise<T>,
): Promise<T> {
  const challenge = await usableChallenge(ctx, p.challengeId, p.purpose, p.userId);
  const passkey = await ctx.db.kysely.selectFrom('passkeys').selectAll().where('credential_id', '=', p.response.id).executeTakeFirst();
  if (!passkey || (p.userId !== undefined && passkey.user_id !== p.userId)) throw new KysoError('auth', p.userId ? 'this passkey is not one of yours' : 'this passkey is not registered here');
  const user = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', passkey.user_id).executeTakeFirstOrThrow();
  if (user.status !== 'active') throw new KysoError('auth', 'this account is disabled');
  const handle = p.response.response.userHandle;
  if (handle && handle !== Buffer.from(user.id).toString('base64url')) throw new KysoError('auth', 'the passkey answered for another user');
  const payload = JSON.parse(challenge.payload) as Record<string, unknown>;
  p.check?.(payload, user);
  const rp = relyingParty(ctx);
  const counter = Number(passkey.counter);
  let newCounter: number;
  try {
    const v = await verifyAuthenticationResponse({
      response: p.response, expectedChallenge: challenge.challenge, expectedOrigin: rp.origins, expectedRPID: rp.id,
      credential: { id: passkey.credential_id, publicKey: new Uint8Array(passkey.public_key), counter, transports: passkey.transports ? passkey.transports.split(',') : undefined },
      requireUserVerification: true,
    });
    if (!v.verified) throw new Error('the signature does not verify');
    newCounter = v.authenticationInfo.newCounter;
  } catch (e) {
    throw new KysoError('auth', `passkey check failed: ${(e as Error).message}`);
  }
  return ctx.tx(async (trx) => {
    await claimChallenge(ctx, trx, challenge.id);
    const now = ctx.clock.now().toISOString();
    const u = await trx.updateTable('passkeys').set({ counter: newCounter, last_used_at: now })
      .where('credential_id', '=', passkey.credential_id).where('counter', '=', passkey.counter).executeTakeFirst();
    if (Number(u.numUpdatedRows) !== 1) throw new KysoError('auth', 'this passkey was used by another request at the same time: try again');
    return commit(trx, { challenge, payload, passkey, user, newCounter });
  });
}

// ── Registration ────────────────────────────────────────────────────────────────────────────────

function requireUser(p: Principal): void {
  if (p.kind !== 'user') throw new KysoError('forbidden', 'passkeys belong to people, not API tokens');
}

/** Creation options (navigator.credentials.create) for the logged-in user. */
export async function registrationOptions(ctx: ServerContext, principal: Principal): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  requireUser(principal);
  const user = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', principal.id).executeTakeFirstOrThrow();
  const rp = relyingParty(ctx);
  const options = await generateRegistrationOptions({
    rpName: rp.name, rpID: rp.id, userName: user.username, userID: new Uint8Array(Buffer.from(user.id)), userDisplayName: user.full_name,
    timeout: CHALLENGE_TTL_MS, attestationType: 'none', excludeCredentials: descriptors(await passkeysOf(ctx, user.id)),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
  const challengeId = await saveChallenge(ctx, { userId: user.id, purpose: 'register', challenge: options.challenge, payload: {} });
  return { challengeId, options };
}

export interface PasskeyView { id: string; name: string; transports: string[]; createdAt: string; lastUsedAt: string | null }

function toPasskeyView(r: PasskeyRow): PasskeyView {
  return { id: r.credential_id, name: r.name, transports: r.transports ? r.transports.split(',') : [], createdAt: r.created_at, lastUsedAt: r.last_used_at };
}

/** Verifies the attestation against the user's registration challenge and stores the credential. */
export async function registerPasskey(ctx: ServerContext, principal: Principal, p: { challengeId: string; response: RegistrationResponseJSON; name: string }): Promise<PasskeyView> {
  requireUser(principal);
  const challenge = await usableChallenge(ctx, p.challengeId, 'register', principal.id);
  const rp = relyingParty(ctx);
  let info;
  try {
    const v = await verifyRegistrationResponse({
      response: p.response, expectedChallenge: challenge.challenge, expectedOrigin: rp.origins, expectedRPID: rp.id, requireUserVerification: true,
    });
    if (!v.verified) throw new Error('the attestation does not verify');
    info = v.registrationInfo;
  } catch (e) {
    throw new KysoError('auth', `passkey registration failed: ${(e as Error).message}`);
  }
  const cred = info.credential;
  const now = ctx.clock.now().toISOString();
  return ctx.tx(async (trx) => {
    await claimChallenge(ctx, trx, challenge.id);
    const taken = await trx.selectFrom('passkeys').select('credential_id').where('credential_id', '=', cred.id).executeTakeFirst();
    if (taken) throw new KysoError('conflict', 'this passkey is already registered');
    const row: PasskeyRow = {
      credential_id: cred.id, user_id: principal.id, public_key: cred.publicKey, counter: cred.counter,
      transports: (cred.transports ?? []).join(','), name: p.name, created_at: now, last_used_at: null,
    };
    await trx.insertInto('passkeys').values(row).execute();
    await ctx.audit(trx, { actor: `user:${principal.id}`, agencyId: principal.agencyId, action: 'auth.passkey-added', target: cred.id, details: { name: p.name } });
    return toPasskeyView(row);
  });
}

export async function listPasskeys(ctx: ServerContext, principal: Principal): Promise<PasskeyView[]> {
  requireUser(principal);
  return (await passkeysOf(ctx, principal.id)).map(toPasskeyView);
}

export async function removePasskey(ctx: ServerContext, principal: Principal, credentialId: string): Promise<void> {
  requireUser(principal);
  await ctx.tx(async (trx) => {
    const r = await trx.deleteFrom('passkeys').where('credential_id', '=', credentialId).where('user_id', '=', principal.id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw new KysoError('not-found', `no passkey ${credentialId} among yours`);
    await ctx.audit(trx, { actor: `user:${principal.id}`, agencyId: principal.agencyId, action: 'auth.passkey-removed', target: credentialId });
  });
}

// ── Login ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Login options. With a username, the user's passkeys are offered; without one (or for a name with
 * no passkey) the browser lets the person pick a discoverable passkey. A username given here binds
 * the challenge: a passkey of another account is then refused.
 */
export async function loginOptions(ctx: ServerContext, p: { username?: string }): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const username = p.username?.trim().toLowerCase() || null;
  const user = username ? await ctx.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst() : undefined;
  const allow = user ? await passkeysOf(ctx, user.id) : [];
  return assertionOptions(ctx, { userId: null, purpose: 'login', allow, payload: { username } });
}

/** Passwordless login: the session is opened and audited exactly as for a password login. */
export async function loginWithPasskey(ctx: ServerContext, p: { challengeId: string; response: AuthenticationResponseJSON; ip: string }): Promise<LoginResult> {
  return acceptAssertion(ctx, {
    challengeId: p.challengeId, purpose: 'login', response: p.response,
    check: (payload, user) => { if (payload.username && payload.username !== user.username) throw new KysoError('auth', 'this passkey belongs to another account'); },
  }, async (trx, a) => ({
    session: await startSession(ctx, trx, a.user, { method: 'passkey', ip: p.ip, details: { credential: a.passkey.credential_id } }),
    user: toUserView(a.user),
  }));
}
