/**
 * The registration authority (issue #6): certificates for officials (profile `official`) and agency
 * seals (profile `agency`) go through one approval path. An agency administrator asks — issue,
 * renew, suspend, resume or revoke — a provincial system administrator other than the requester
 * approves or rejects with a reason, and on approval the CA acts at once: the key is generated in the
 * encrypted key store or the HSM and never shown (credentials.ts), status changes reach OCSP and the
 * CRL before the answer returns (pki.refresh). The holder then activates the credential, optionally
 * putting its key under a PIN. Daily jobs remind holders of certificates about to expire.
 *
 * Decree 68/2024/NĐ-CP (public-service digital signatures): a new subscriber certificate is valid for
 * at most 5 years and a renewal extends it by at most 3; revocation needs a ground, carried as the
 * RFC 5280 §5.3.1 CRLReason. Everything a request asks is checked when it is made, so an
 * administrator approves only what can be done; the CA checks again when it acts.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { IDENTITY_FORMATS, KysoError, addYears, getProfile, normalizeSerialHex, parseKeySpec } from '@kyso/core';
import { actorOf, hasRole, requireAgency, type Principal } from '../auth/principal.ts';
import type { CertRequestsTable, CertificatesTable, CredentialsTable } from '../store/database.ts';
import type { ServerContext, Trx } from './server-context.ts';
import { REVOCATION_REASONS, type RevocationReason } from './ca-service.ts';
import { issueCredential, renewCredential } from './credentials.ts';

export const REQUEST_ACTIONS = ['issue', 'renew', 'suspend', 'resume', 'revoke'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'completed', 'failed'] as const;
export const HOLDER_KINDS = ['official', 'agency'] as const;
export type HolderKind = (typeof HOLDER_KINDS)[number];
export const KEY_TYPES = ['p256', 'p384', 'rsa2048', 'rsa3072'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Days before expiry at which the holder's agency is reminded, once each. */
export const EXPIRY_THRESHOLDS_DAYS = [30, 7, 1] as const;

const DAY = 86_400_000;

export interface CertRequestInput {
  action: RequestAction;
  kind: HolderKind;
  userId?: string;
  agencyId?: string;
  serial?: string;
  keyType?: KeyType;
  days?: number;
  reason?: string;
}

interface RequestParams { keyType?: KeyType; days?: number; reason?: string }

export interface CertRequestView {
  id: string; action: RequestAction; kind: HolderKind; agencyId: string; userId: string | null; serial: string | null;
  keyType: KeyType | null; days: number | null; reason: string | null;
  status: CertRequestsTable['status']; requestedBy: string; requestedAt: string;
  decidedBy: string | null; decidedAt: string | null; decisionReason: string | null; resultSerial: string | null; error: string | null;
}

export function toRequestView(r: CertRequestsTable): CertRequestView {
  const params = JSON.parse(r.params) as RequestParams;
  return {
    id: r.id, action: r.action, kind: r.kind, agencyId: r.agency_id, userId: r.user_id, serial: r.serial,
    keyType: params.keyType ?? null, days: params.days ?? null, reason: params.reason ?? null,
    status: r.status, requestedBy: r.requested_by, requestedAt: r.requested_at, decidedBy: r.decided_by, decidedAt: r.decided_at,
    decisionReason: r.decision_reason, resultSerial: r.result_serial, error: r.error,
  };
}

function isSysadmin(p: Principal): boolean {
  return p.kind === 'user' && hasRole(p, 'sysadmin');
}

/** Whether `days` from `now` stays within `years` calendar years (the limit core's CA lint applies). */
function withinYears(now: Date, days: number, years: number): boolean {
  return now.getTime() + days * DAY <= addYears(now, years).getTime();
}

function certificateStatus(c: Pick<CertificatesTable, 'status' | 'not_after'>, now: Date): CertificatesTable['status'] | 'expired' {
  return c.status === 'good' && Date.parse(c.not_after) <= now.getTime() ? 'expired' : c.status;
}

async function activeAgency(ctx: ServerContext, agencyId: string): Promise<void> {
  const agency = await ctx.db.kysely.selectFrom('agencies').select(['code', 'status']).where('id', '=', agencyId).executeTakeFirst();
  if (!agency) throw new KysoError('not-found', `agency ${agencyId} not found`);
  if (agency.status !== 'active') throw new KysoError('conflict', `agency ${agency.code} is no longer active: it cannot hold new certificates`);
}

/**
 * The holder of a new personal certificate: an active leader of the agency with a CCCD on record
 * (the `official` profile requires UID=CCCD:<12 digits>). Checked at request and again at approval.
 */
async function requireOfficialHolder(ctx: ServerContext, agencyId: string, userId: string): Promise<void> {
  const user = await ctx.db.kysely.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) throw new KysoError('not-found', `user ${userId} not found`);
  if (user.agency_id !== agencyId) throw new KysoError('forbidden', `${user.username} belongs to another agency`);
  if (user.status !== 'active') throw new KysoError('conflict', `${user.username} is disabled: a certificate is issued only to an active official`);
  if (!user.roles.split(',').includes('leader')) throw new KysoError('invalid-argument', `${user.username} is not a leader: personal signing certificates are issued to officials who sign (role leader)`);
  if (!user.uid || !IDENTITY_FORMATS.cccd.test(user.uid)) {
    throw new KysoError('invalid-argument', `${user.username} has no identity number (CCCD: 12 digits) on record, which a personal certificate needs`);
  }
}

type CredentialWithCert = CredentialsTable & Pick<CertificatesTable, 'status' | 'not_after' | 'not_before' | 'subject' | 'key_spec' | 'revocation_reason' | 'revoked_at' | 'profile'>;

/** Credentials with their certificate's status, subject and dates. */
function credentialsQuery(ctx: ServerContext) {
  return ctx.db.kysely.selectFrom('credentials').innerJoin('certificates', 'certificates.serial', 'credentials.serial')
    .selectAll('credentials')
    .select(['certificates.status', 'certificates.not_after', 'certificates.not_before', 'certificates.subject', 'certificates.key_spec', 'certificates.revocation_reason', 'certificates.revoked_at', 'certificates.profile']);
}

/** A hex serial in kyso's key form, or a 400. */
function serialOf(input: string): string {
  const serial = normalizeSerialHex(input);
  if (!serial) throw new KysoError('invalid-argument', `"${input}" is not a hexadecimal serial number`);
  return serial;
}

async function credentialWithCert(ctx: ServerContext, serialInput: string): Promise<CredentialWithCert> {
  const serial = serialOf(serialInput);
  const row = await credentialsQuery(ctx).where('credentials.serial', '=', serial).executeTakeFirst();
  if (!row) throw new KysoError('not-found', `no signing credential with serial ${serial}`);
  return row;
}

/** Whether the certificate's current status allows the action (checked at request time, again by the CA). */
function requireStatusFor(action: Exclude<RequestAction, 'issue'>, c: CredentialWithCert, now: Date): void {
  const status = certificateStatus(c, now);
  const allowed: Record<typeof action, Array<typeof status>> = { renew: ['good'], suspend: ['good'], resume: ['suspended'], revoke: ['good', 'suspended', 'expired'] };
  if (!allowed[action].includes(status)) {
    throw new KysoError('conflict', `certificate ${c.serial} is ${status}: it cannot be ${action === 'renew' ? 'renewed' : `${action}${action.endsWith('e') ? 'd' : 'ed'}`}`);
  }
  if (action === 'renew' && c.state === 'superseded') throw new KysoError('conflict', `certificate ${c.serial} was already renewed or replaced: renew the current one`);
}

function requireRevocationReason(reason: string | undefined): RevocationReason {
  const names = Object.keys(REVOCATION_REASONS) as RevocationReason[];
  if (reason === undefined || !names.includes(reason as RevocationReason)) {
    throw new KysoError('invalid-argument', `a revocation needs its ground (Decree 68/2024), given as an RFC 5280 reason: one of ${names.join(', ')}${reason === undefined ? '' : ` (not "${reason}")`}`);
  }
  return reason as RevocationReason;
}

/** Refuses fields that mean nothing for the action, so a mistaken request is not silently half-read. */
function refuseIrrelevant(input: CertRequestInput): void {
  const irrelevant: Record<RequestAction, Array<keyof CertRequestInput>> = {
    issue: ['serial', 'reason'], renew: ['userId', 'keyType', 'reason'], suspend: ['userId', 'keyType', 'days'],
    resume: ['userId', 'keyType', 'days'], revoke: ['userId', 'keyType', 'days'],
  };
  const given = irrelevant[input.action].filter((f) => input[f] !== undefined);
  if (given.length) throw new KysoError('invalid-argument', `${given.join(', ')} ${given.length === 1 ? 'has' : 'have'} no meaning for a ${input.action} request`);
}

/** Serialises the duplicate check and the insert across instances (SQLite serialises writers itself). */
async function lockRequests(ctx: ServerContext, trx: Trx): Promise<void> {
  if (ctx.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('kyso.cert_requests'))`.execute(trx);
}

/** POST /certificate-requests: validates everything now and records a pending request. */
export async function createCertRequest(ctx: ServerContext, p: Principal, input: CertRequestInput): Promise<CertRequestView> {
  refuseIrrelevant(input);
  const sysadmin = isSysadmin(p);
  if (input.agencyId !== undefined && !sysadmin) requireAgency(p, input.agencyId, 'that agency');
  const now = ctx.clock.now();
  const profile = getProfile(input.kind);
  const params: RequestParams = {};
  let agencyId: string;
  let userId: string | null = null;
  let serial: string | null = null;

  if (input.action === 'issue') {
    agencyId = input.agencyId ?? p.agencyId;
    await activeAgency(ctx, agencyId);
    if (input.kind === 'official') {
      if (!input.userId) throw new KysoError('invalid-argument', 'a personal certificate request names the official (userId)');
      await requireOfficialHolder(ctx, agencyId, input.userId);
      userId = input.userId;
    } else if (input.userId !== undefined) {
      throw new KysoError('invalid-argument', 'an agency seal certificate belongs to the agency: give no userId');
    }
    params.keyType = input.keyType ?? 'p256';
    parseKeySpec(params.keyType);
    if (input.days !== undefined) {
      if (!withinYears(now, input.days, profile.maxYears)) {
        throw new KysoError('invalid-argument', `Decree 68/2024 limits a new certificate to ${profile.maxYears} years: ${input.days} days is longer`);
      }
      params.days = input.days;
    }
  } else {
    if (!input.serial) throw new KysoError('invalid-argument', `a ${input.action} request names the certificate (serial)`);
    const cred = await credentialWithCert(ctx, input.serial);
    agencyId = input.agencyId ?? (sysadmin ? cred.agency_id : p.agencyId);
    if (cred.agency_id !== agencyId) throw new KysoError('forbidden', `certificate ${cred.serial} belongs to another agency`);
    if (cred.kind !== input.kind) throw new KysoError('invalid-argument', `certificate ${cred.serial} is an ${cred.kind === 'agency' ? 'agency seal' : 'official'} certificate, not ${input.kind === 'agency' ? 'an agency seal' : 'an official'} one`);
    requireStatusFor(input.action, cred, now);
    serial = cred.serial;
    userId = cred.user_id;
    if (input.action === 'renew' && input.days !== undefined) {
      if (!withinYears(now, input.days, profile.maxRenewalYears)) {
        throw new KysoError('invalid-argument', `Decree 68/2024 lets a renewal extend a certificate by at most ${profile.maxRenewalYears} years: ${input.days} days is longer`);
      }
      params.days = input.days;
    }
    if (input.action === 'revoke') params.reason = requireRevocationReason(input.reason);
    else if (input.reason !== undefined) params.reason = input.reason;
  }

  const row: CertRequestsTable = {
    id: randomUUID(), action: input.action, kind: input.kind, agency_id: agencyId, user_id: userId, serial, params: JSON.stringify(params),
    status: 'pending', requested_by: actorOf(p), requested_at: now.toISOString(), decided_by: null, decided_at: null,
    decision_reason: null, result_serial: null, error: null,
  };
  await ctx.tx(async (trx) => {
    await lockRequests(ctx, trx);
    let dup = trx.selectFrom('cert_requests').select(['id', 'action']).where('status', '=', 'pending');
    dup = serial !== null
      ? dup.where('serial', '=', serial)
      : dup.where('action', '=', 'issue').where('agency_id', '=', agencyId).where('kind', '=', input.kind).where('user_id', userId === null ? 'is' : '=', userId);
    const pending = await dup.executeTakeFirst();
    if (pending) throw new KysoError('conflict', `request ${pending.id} (${pending.action}) for the same ${serial ? 'certificate' : 'holder'} is still pending: approve or reject it first`);
    await trx.insertInto('cert_requests').values(row).execute();
    const details = { requestId: row.id, action: row.action, kind: row.kind, userId, serial, ...params };
    await ctx.audit(trx, { actor: row.requested_by, agencyId, action: 'certificate.requested', target: row.id, details });
    await ctx.emit(trx, { type: 'certificate.requested', agencyId, data: details });
  });
  return toRequestView(row);
}

async function requestRow(ctx: ServerContext, p: Principal, id: string): Promise<CertRequestsTable> {
  const row = await ctx.db.kysely.selectFrom('cert_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new KysoError('not-found', `certificate request ${id} not found`);
  requireAgency(p, row.agency_id, 'this certificate request', { allowSysadmin: true });
  return row;
}

export async function getCertRequest(ctx: ServerContext, p: Principal, id: string): Promise<CertRequestView> {
  return toRequestView(await requestRow(ctx, p, id));
}

export async function listCertRequests(ctx: ServerContext, p: Principal, f: { status?: CertRequestsTable['status']; agencyId?: string; limit?: number }): Promise<CertRequestView[]> {
  let q = ctx.db.kysely.selectFrom('cert_requests').selectAll();
  if (!isSysadmin(p)) {
    if (f.agencyId !== undefined) requireAgency(p, f.agencyId, 'that agency');
    q = q.where('agency_id', '=', p.agencyId);
  } else if (f.agencyId !== undefined) q = q.where('agency_id', '=', f.agencyId);
  if (f.status) q = q.where('status', '=', f.status);
  const rows = await q.orderBy('requested_at', 'desc').orderBy('id').limit(f.limit ?? 100).execute();
  return rows.map(toRequestView);
}

/** Moves a pending request on; refuses (409) one that someone else decided meanwhile. */
async function decide(trx: Trx, row: CertRequestsTable, set: Partial<CertRequestsTable>, from: CertRequestsTable['status'] = 'pending'): Promise<void> {
  const res = await trx.updateTable('cert_requests').set(set).where('id', '=', row.id).where('status', '=', from).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new KysoError('conflict', `certificate request ${row.id} was decided meanwhile`);
}

function requirePending(row: CertRequestsTable): void {
  if (row.status !== 'pending') throw new KysoError('conflict', `certificate request ${row.id} is already ${row.status}`);
}

const DONE_ACTION: Record<RequestAction, string> = {
  issue: 'certificate.issued', renew: 'certificate.renewed', suspend: 'certificate.suspended', resume: 'certificate.resumed', revoke: 'certificate.revoked',
};

/**
 * Approval by a provincial administrator who did not make the request (four eyes). The request is
 * marked approved first (so a second approval is refused), then the CA acts; the request ends
 * completed with the resulting serial, or failed with the CA's error, which is also the answer.
 */
export async function approveCertRequest(ctx: ServerContext, p: Principal, id: string): Promise<CertRequestView> {
  const row = await requestRow(ctx, p, id);
  requirePending(row);
  const actor = actorOf(p);
  if (row.requested_by === actor) throw new KysoError('forbidden', 'you made this request: another administrator must approve it');
  const params = JSON.parse(row.params) as RequestParams;
  const base = { requestId: row.id, action: row.action, kind: row.kind, userId: row.user_id, serial: row.serial };
  await ctx.tx(async (trx) => {
    await decide(trx, row, { status: 'approved', decided_by: actor, decided_at: ctx.clock.now().toISOString() });
    await ctx.audit(trx, { actor, agencyId: row.agency_id, action: 'certificate.approved', target: row.id, details: base });
    await ctx.emit(trx, { type: 'certificate.approved', agencyId: row.agency_id, data: base });
  });
  const complete = async (trx: Trx, serial: string) => {
    await decide(trx, row, { status: 'completed', result_serial: serial }, 'approved');
    await ctx.emit(trx, { type: DONE_ACTION[row.action], agencyId: row.agency_id, data: { ...base, resultSerial: serial } });
  };
  try {
    switch (row.action) {
      case 'issue':
        if (row.kind === 'official') await requireOfficialHolder(ctx, row.agency_id, row.user_id ?? '');
        await issueCredential(ctx, {
          kind: row.kind, agencyId: row.agency_id, userId: row.user_id, key: parseKeySpec(params.keyType ?? 'p256'), days: params.days,
          state: 'issued', actor, within: complete,
        });
        break;
      case 'renew':
        await renewCredential(ctx, { serial: row.serial!, days: params.days, actor, within: complete });
        break;
      case 'suspend': case 'resume': case 'revoke': {
        const record = row.action === 'suspend' ? await ctx.ca.suspend(row.serial!)
          : row.action === 'resume' ? await ctx.ca.resume(row.serial!)
            : await ctx.ca.revoke(row.serial!, params.reason);
        await ctx.tx(async (trx) => {
          await ctx.audit(trx, {
            actor, agencyId: row.agency_id, action: DONE_ACTION[row.action], target: record.serial,
            details: { ...base, status: record.status, reason: record.revocationReason, note: row.action === 'revoke' ? null : params.reason ?? null },
          });
          await complete(trx, record.serial);
        });
        break;
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await ctx.tx(async (trx) => {
      await decide(trx, row, { status: 'failed', error: message.slice(0, 2000) }, 'approved');
      await ctx.audit(trx, { actor, agencyId: row.agency_id, action: 'certificate.request-failed', target: row.id, details: { ...base, error: message } });
      await ctx.emit(trx, { type: 'certificate.request-failed', agencyId: row.agency_id, data: { ...base, error: message } });
    });
    throw e;
  }
  // A status change reaches OCSP and the CRL before the answer returns.
  if (row.action !== 'issue' && row.action !== 'renew') await ctx.pki.refresh();
  return getCertRequest(ctx, p, id);
}

export async function rejectCertRequest(ctx: ServerContext, p: Principal, id: string, reason: string): Promise<CertRequestView> {
  const row = await requestRow(ctx, p, id);
  requirePending(row);
  const actor = actorOf(p);
  const data = { requestId: row.id, action: row.action, kind: row.kind, userId: row.user_id, serial: row.serial, reason };
  await ctx.tx(async (trx) => {
    await decide(trx, row, { status: 'rejected', decided_by: actor, decided_at: ctx.clock.now().toISOString(), decision_reason: reason });
    await ctx.audit(trx, { actor, agencyId: row.agency_id, action: 'certificate.rejected', target: row.id, details: data });
    await ctx.emit(trx, { type: 'certificate.rejected', agencyId: row.agency_id, data });
  });
  return getCertRequest(ctx, p, id);
}

export interface CredentialView {
  serial: string; kind: HolderKind; agencyId: string; userId: string | null; state: CredentialsTable['state']; needsPin: boolean;
  activatedAt: string | null; createdAt: string;
  certificate: { status: CertificatesTable['status'] | 'expired'; subject: string; notBefore: string; notAfter: string; keySpec: string };
}

function toCredentialView(r: CredentialWithCert, now: Date): CredentialView {
  return {
    serial: r.serial, kind: r.kind, agencyId: r.agency_id, userId: r.user_id, state: r.state, needsPin: Number(r.needs_pin) === 1,
    activatedAt: r.activated_at, createdAt: r.created_at,
    certificate: { status: certificateStatus(r, now), subject: r.subject, notBefore: r.not_before, notAfter: r.not_after, keySpec: r.key_spec },
  };
}

/**
 * Activation by the holder: the official for a personal certificate, a clerk (văn thư) of the agency
 * for the seal. With a PIN the key is re-wrapped so that it opens only with it (holder-keys.ts).
 */
export async function activateCredential(ctx: ServerContext, p: Principal, serialInput: string, pin?: string): Promise<CredentialView> {
  const cred = await credentialWithCert(ctx, serialInput);
  if (cred.kind === 'official' ? cred.user_id !== p.id : !(cred.agency_id === p.agencyId && hasRole(p, 'clerk'))) {
    throw new KysoError('forbidden', cred.kind === 'official' ? 'only the official this certificate was issued to may activate it' : "only a clerk of the agency may activate the agency's seal certificate");
  }
  if (cred.state !== 'issued') throw new KysoError('conflict', `certificate ${cred.serial} is already ${cred.state === 'active' ? 'active' : 'superseded by a renewal'}`);
  const now = ctx.clock.now();
  const status = certificateStatus(cred, now);
  if (status !== 'good') throw new KysoError('conflict', `certificate ${cred.serial} is ${status}: it cannot be activated`);
  await ctx.tx(async (trx) => {
    const res = await trx.updateTable('credentials').set({ state: 'active', activated_at: now.toISOString(), needs_pin: pin === undefined ? 0 : 1 })
      .where('serial', '=', cred.serial).where('state', '=', 'issued').executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new KysoError('conflict', `certificate ${cred.serial} was activated meanwhile`);
    if (pin !== undefined) await ctx.keys.setPin(cred.key_id, pin, trx);
    const data = { kind: cred.kind, userId: cred.user_id, needsPin: pin !== undefined };
    await ctx.audit(trx, { actor: actorOf(p), agencyId: cred.agency_id, action: 'certificate.activated', target: cred.serial, details: data });
    await ctx.emit(trx, { type: 'certificate.activated', agencyId: cred.agency_id, data: { serial: cred.serial, ...data } });
  });
  return toCredentialView(await credentialWithCert(ctx, cred.serial), now);
}

/**
 * Credentials the caller may see: a system administrator all (or one agency's), an agency
 * administrator those of the agency, anyone else their own personal ones and the agency's seal.
 */
export async function listCredentials(ctx: ServerContext, p: Principal, f: { agencyId?: string } = {}): Promise<CredentialView[]> {
  let q = credentialsQuery(ctx);
  if (isSysadmin(p)) {
    if (f.agencyId !== undefined) q = q.where('credentials.agency_id', '=', f.agencyId);
  } else {
    if (f.agencyId !== undefined) requireAgency(p, f.agencyId, 'that agency');
    q = q.where('credentials.agency_id', '=', p.agencyId);
    if (!hasRole(p, 'agency_admin')) q = q.where((eb) => eb.or([eb('credentials.kind', '=', 'agency'), eb('credentials.user_id', '=', p.id)]));
  }
  const rows = await q.orderBy('credentials.created_at', 'desc').orderBy('credentials.serial').execute();
  const now = ctx.clock.now();
  return rows.map((r) => toCredentialView(r, now));
}

export interface CertificateView {
  serial: string; profile: string; subject: string; status: CertificatesTable['status'] | 'expired'; notBefore: string; notAfter: string;
  keySpec: string; revocationReason: string | null; revokedAt: string | null; replaces: string | null;
  credential: { kind: HolderKind; agencyId: string; userId: string | null; state: CredentialsTable['state'] } | null;
}

/** One certificate, for its agency (through its credential) or a system administrator. */
export async function getCertificate(ctx: ServerContext, p: Principal, serialInput: string): Promise<{ view: CertificateView; der: Uint8Array }> {
  const serial = serialOf(serialInput);
  const db = ctx.db.kysely;
  const cert = await db.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirst();
  const cred = await db.selectFrom('credentials').selectAll().where('serial', '=', serial).executeTakeFirst();
  // Certificates that are nobody's credential (service certificates, CLI issuance) are the province's.
  if (!cert || (!cred && !isSysadmin(p))) throw new KysoError('not-found', `no certificate with serial ${serial}`);
  if (cred) requireAgency(p, cred.agency_id, 'this certificate', { allowSysadmin: true });
  const view: CertificateView = {
    serial: cert.serial, profile: cert.profile, subject: cert.subject, status: certificateStatus(cert, ctx.clock.now()),
    notBefore: cert.not_before, notAfter: cert.not_after, keySpec: cert.key_spec, revocationReason: cert.revocation_reason,
    revokedAt: cert.revoked_at, replaces: cert.replaces,
    credential: cred ? { kind: cred.kind, agencyId: cred.agency_id, userId: cred.user_id, state: cred.state } : null,
  };
  return { view, der: new Uint8Array(cert.der) };
}

/**
 * The daily expiry check: every active credential whose certificate (still good) ends within 30,
 * 7 or 1 days gets one `certificate.expiring` event and audit entry per threshold — the tightest one
 * reached. A marker in `settings` (primary key) makes each reminder happen once, also when two
 * instances run the job or it runs again after a crash. Returns how many reminders were sent.
 */
export async function sendExpiryReminders(ctx: ServerContext): Promise<number> {
  const now = ctx.clock.now();
  const horizon = new Date(now.getTime() + EXPIRY_THRESHOLDS_DAYS[0] * DAY).toISOString();
  const rows = await ctx.db.kysely.selectFrom('credentials').innerJoin('certificates', 'certificates.serial', 'credentials.serial')
    .select(['credentials.serial', 'credentials.kind', 'credentials.agency_id', 'credentials.user_id', 'certificates.not_after'])
    .where('credentials.state', '=', 'active').where('certificates.status', '=', 'good')
    .where('certificates.not_after', '>', now.toISOString()).where('certificates.not_after', '<=', horizon)
    .orderBy('certificates.not_after').execute();
  let sent = 0;
  for (const r of rows) {
    const left = (Date.parse(r.not_after) - now.getTime()) / DAY;
    const threshold = [...EXPIRY_THRESHOLDS_DAYS].reverse().find((t) => left <= t)!;
    await ctx.tx(async (trx) => {
      const marker = await trx.insertInto('settings').values({ key: `reminder.expiring:${r.serial}:${threshold}`, value: now.toISOString() })
        .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
      if (Number(marker.numInsertedOrUpdatedRows ?? 0) !== 1) return;
      const data = { serial: r.serial, kind: r.kind, userId: r.user_id, notAfter: r.not_after, thresholdDays: threshold, daysLeft: Math.ceil(left) };
      await ctx.audit(trx, { actor: 'system', agencyId: r.agency_id, action: 'certificate.expiring', target: r.serial, details: data });
      await ctx.emit(trx, { type: 'certificate.expiring', agencyId: r.agency_id, data });
      sent++;
    });
  }
  return sent;
}
