/**
 * Signing approvals: before a leader signs or a clerk seals, the person confirms that exact act with
 * a passkey (user verification — PIN or biometrics — required). The challenge names the action and
 * the documents (sorted), so an approval for one batch cannot be spent on another; it is single use
 * and valid for five minutes — the binding of an authorisation to the exact request that CSC's
 * SCAL2 makes. It keeps a server-held key under its holder's personal control (Decree 30/2020/NĐ-CP
 * Art. 32: each person keeps their own key safe) without a PIN to forget or hand to a clerk; a holder
 * whose signing key has a PIN may use that PIN instead.
 */
import { KysoError } from '@kyso/core';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { ServerContext } from './server-context.ts';
import { acceptAssertion, assertionOptions, assertionResponseSchema, challengeIdSchema, passkeysOf } from './passkey-service.ts';

export type ApprovalAction = 'sign' | 'seal';
export interface ApprovalPayload { action: ApprovalAction; documentIds: string[] }

/** `{ challengeId, response }` in route bodies (the browser's answer to the approval options). */
export const approvalSchema = z.object({ challengeId: challengeIdSchema, response: assertionResponseSchema }).strict();
export type Approval = { challengeId: string; response: AuthenticationResponseJSON };

/** The canonical payload: action and the distinct document ids, sorted. */
function canonical(p: ApprovalPayload): ApprovalPayload {
  if (p.documentIds.length === 0) throw new KysoError('invalid-argument', 'an approval needs at least one document');
  return { action: p.action, documentIds: [...new Set(p.documentIds)].sort() };
}

export async function createApprovalChallenge(ctx: ServerContext, principal: Principal, payload: ApprovalPayload): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  if (principal.kind !== 'user') throw new KysoError('forbidden', 'only a person can approve a signature');
  const body = canonical(payload);
  // Only the caller's own agency's documents can be approved (another agency's are "not found", as everywhere).
  const owned = await ctx.db.kysely.selectFrom('documents').select('id').where('id', 'in', body.documentIds).where('agency_id', '=', principal.agencyId).execute();
  if (owned.length !== body.documentIds.length) {
    const have = new Set(owned.map((r) => r.id));
    throw new KysoError('not-found', `document${body.documentIds.length - have.size > 1 ? 's' : ''} ${body.documentIds.filter((id) => !have.has(id)).join(', ')} not found: nothing to approve`);
  }
  const allow = await passkeysOf(ctx, principal.id);
  if (allow.length === 0) throw new KysoError('conflict', 'register a passkey first, or use the PIN of your signing key');
  return assertionOptions(ctx, { userId: principal.id, purpose: 'approve', allow, payload: { ...body } });
}

/**
 * Spends an approval: the caller's own unused, unexpired challenge for exactly `expected`, answered
 * by one of the caller's passkeys with user verification and a fresh counter. Claims the challenge
 * and audits `auth.approval` in one transaction; anything wrong → KysoError('auth').
 */
export async function consumeApproval(ctx: ServerContext, principal: Principal, approval: Approval, expected: ApprovalPayload): Promise<void> {
  if (principal.kind !== 'user') throw new KysoError('forbidden', 'only a person can approve a signature');
  const want = canonical(expected);
  await acceptAssertion(ctx, {
    challengeId: approval.challengeId, purpose: 'approve', response: approval.response, userId: principal.id,
    check: (payload) => {
      if (JSON.stringify({ action: payload.action, documentIds: payload.documentIds }) !== JSON.stringify(want)) {
        throw new KysoError('auth', `this approval was given for another action or other documents: approve the ${want.action} of these ${want.documentIds.length} document(s) again`);
      }
    },
  }, async (trx, a) => {
    await ctx.audit(trx, {
      actor: `user:${principal.id}`, agencyId: principal.agencyId, action: 'auth.approval', target: want.action,
      details: { documentIds: want.documentIds, credential: a.passkey.credential_id, challengeId: a.challenge.id },
    });
  });
}
