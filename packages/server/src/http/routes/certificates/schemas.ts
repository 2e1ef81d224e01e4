/**
 * Shared by the certificate lifecycle routes (a registration authority): requests (issue, renew,
 * suspend, resume, revoke) by agency administrators, approval or rejection by a provincial
 * administrator, activation by the holder, and reading credentials and certificates (JSON or PEM).
 * Decree 68/2024/NĐ-CP limits are enforced in services/certificate-service.ts.
 */
import { z } from 'zod';
import { HOLDER_KINDS, KEY_TYPES, REQUEST_ACTIONS, REQUEST_STATUSES } from '../../../services/certificate-service.ts';

export const ADMINS = ['agency_admin', 'sysadmin'] as const;
export const TAGS = ['certificates'];

export const requestView = z.object({
  id: z.string(), action: z.enum(REQUEST_ACTIONS), kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(),
  serial: z.string().nullable(), keyType: z.enum(KEY_TYPES).nullable(), days: z.number().nullable(), reason: z.string().nullable(),
  status: z.enum(REQUEST_STATUSES), requestedBy: z.string(), requestedAt: z.string(), decidedBy: z.string().nullable(), decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(), resultSerial: z.string().nullable(), error: z.string().nullable(),
});
export const certificateStatus = z.enum(['good', 'suspended', 'revoked', 'expired']);
export const credentialView = z.object({
  serial: z.string(), kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(),
  state: z.enum(['issued', 'active', 'superseded']), needsPin: z.boolean(), activatedAt: z.string().nullable(), createdAt: z.string(),
  certificate: z.object({ status: certificateStatus, subject: z.string(), notBefore: z.string(), notAfter: z.string(), keySpec: z.string() }),
});
export const idParams = z.object({ id: z.string().uuid() });
export const serialParams = z.object({ serial: z.string().min(1).max(80) });
