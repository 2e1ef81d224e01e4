/**
 * Routes: the certificate lifecycle as a registration authority — requests (issue, renew, suspend,
 * resume, revoke) by agency administrators, approval or rejection by a provincial administrator,
 * activation by the holder, and reading credentials and certificates (JSON or PEM).
 * Decree 68/2024/NĐ-CP limits are enforced in services/certificate-service.ts.
 */
import { z } from 'zod';
import { encodePem } from '@kyso/core';
import { ROLES } from '../../auth/principal.ts';
import { REVOCATION_REASONS } from '../../services/ca-service.ts';
import {
  HOLDER_KINDS, KEY_TYPES, REQUEST_ACTIONS, REQUEST_STATUSES, activateCredential, approveCertRequest, createCertRequest,
  getCertRequest, getCertificate, listCertRequests, listCredentials, rejectCertRequest,
} from '../../services/certificate-service.ts';
import { route, type RouteDef } from '../route.ts';

const ADMINS = ['agency_admin', 'sysadmin'] as const;
const TAGS = ['certificates'];

const requestView = z.object({
  id: z.string(), action: z.enum(REQUEST_ACTIONS), kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(),
  serial: z.string().nullable(), keyType: z.enum(KEY_TYPES).nullable(), days: z.number().nullable(), reason: z.string().nullable(),
  status: z.enum(REQUEST_STATUSES), requestedBy: z.string(), requestedAt: z.string(), decidedBy: z.string().nullable(), decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(), resultSerial: z.string().nullable(), error: z.string().nullable(),
});
const certificateStatus = z.enum(['good', 'suspended', 'revoked', 'expired']);
const credentialView = z.object({
  serial: z.string(), kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(),
  state: z.enum(['issued', 'active', 'superseded']), needsPin: z.boolean(), activatedAt: z.string().nullable(), createdAt: z.string(),
  certificate: z.object({ status: certificateStatus, subject: z.string(), notBefore: z.string(), notAfter: z.string(), keySpec: z.string() }),
});
const certificateView = z.object({
  serial: z.string(), profile: z.string(), subject: z.string(), status: certificateStatus, notBefore: z.string(), notAfter: z.string(),
  keySpec: z.string(), revocationReason: z.string().nullable(), revokedAt: z.string().nullable(), replaces: z.string().nullable(),
  credential: z.object({ kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(), state: z.string() }).nullable(),
});
const idParams = z.object({ id: z.string().uuid() });
const serialParams = z.object({ serial: z.string().min(1).max(80) });

export const routes: RouteDef[] = [
  route({
    method: 'POST', url: '/api/v1/certificate-requests', tags: TAGS, status: 201,
    summary: 'Request a certificate action (issue, renew, suspend, resume, revoke) for an official or the agency seal; a provincial administrator approves it',
    access: { roles: ADMINS },
    body: z.object({
      action: z.enum(REQUEST_ACTIONS),
      kind: z.enum(HOLDER_KINDS),
      userId: z.string().min(1).max(100).optional(),
      agencyId: z.string().min(1).max(100).optional(),
      serial: z.string().min(1).max(80).optional(),
      keyType: z.enum(KEY_TYPES).optional(),
      days: z.number().int().positive().optional(),
      reason: z.string().trim().min(1).max(500).optional()
        .describe(`revoke: required, one of ${Object.keys(REVOCATION_REASONS).join(', ')}; suspend/resume: an optional note`),
    }).strict(),
    response: z.object({ request: requestView }),
    handler: async ({ principal, body }, ctx) => ({ request: await createCertRequest(ctx, principal!, body) }),
  }),
  route({
    method: 'GET', url: '/api/v1/certificate-requests', tags: TAGS,
    summary: 'Certificate requests: all for a system administrator, the own agency\'s for an agency administrator',
    access: { roles: ADMINS },
    query: z.object({
      status: z.enum(REQUEST_STATUSES).optional(), agencyId: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }).strict(),
    response: z.object({ requests: z.array(requestView) }),
    handler: async ({ principal, query }, ctx) => ({ requests: await listCertRequests(ctx, principal!, query) }),
  }),
  route({
    method: 'GET', url: '/api/v1/certificate-requests/:id', tags: TAGS, summary: 'One certificate request',
    access: { roles: ADMINS }, params: idParams, response: z.object({ request: requestView }),
    handler: async ({ principal, params }, ctx) => ({ request: await getCertRequest(ctx, principal!, params.id) }),
  }),
  route({
    method: 'POST', url: '/api/v1/certificate-requests/:id/approve', tags: TAGS,
    summary: 'Approve a request (system administrator other than the requester): the CA acts at once',
    access: { roles: ['sysadmin'] }, params: idParams, response: z.object({ request: requestView }),
    handler: async ({ principal, params }, ctx) => ({ request: await approveCertRequest(ctx, principal!, params.id) }),
  }),
  route({
    method: 'POST', url: '/api/v1/certificate-requests/:id/reject', tags: TAGS,
    summary: 'Reject a request with a reason (system administrator)',
    access: { roles: ['sysadmin'] }, params: idParams,
    body: z.object({ reason: z.string().trim().min(3).max(500) }).strict(),
    response: z.object({ request: requestView }),
    handler: async ({ principal, params, body }, ctx) => ({ request: await rejectCertRequest(ctx, principal!, params.id, body.reason) }),
  }),
  route({
    method: 'POST', url: '/api/v1/credentials/:serial/activate', tags: TAGS,
    summary: 'Activate an issued credential (the official, or a clerk for the agency seal), optionally putting its key under a PIN',
    access: { roles: ROLES }, params: serialParams,
    body: z.object({ pin: z.string().regex(/^\d{6,12}$/, 'a signing PIN is 6 to 12 digits').optional() }).strict().optional(),
    response: z.object({ credential: credentialView }),
    handler: async ({ principal, params, body }, ctx) => ({ credential: await activateCredential(ctx, principal!, params.serial, body?.pin) }),
  }),
  route({
    method: 'GET', url: '/api/v1/credentials', tags: TAGS,
    summary: 'Signing credentials: own (personal + the agency seal), the agency\'s for an agency administrator, any agency\'s for a system administrator',
    access: { roles: ROLES }, query: z.object({ agencyId: z.string().min(1).max(100).optional() }).strict(),
    response: z.object({ credentials: z.array(credentialView) }),
    handler: async ({ principal, query }, ctx) => ({ credentials: await listCredentials(ctx, principal!, query) }),
  }),
  route({
    method: 'GET', url: '/api/v1/certificates/:serial', tags: TAGS,
    summary: 'A certificate: status, subject and dates (JSON), or ?format=pem for the certificate itself',
    access: { roles: ROLES }, params: serialParams, query: z.object({ format: z.enum(['json', 'pem']).optional() }).strict(),
    response: z.object({ certificate: certificateView }),
    handler: async ({ principal, params, query, reply }, ctx) => {
      const { view, der } = await getCertificate(ctx, principal!, params.serial);
      if (query.format !== 'pem') return { certificate: view };
      reply.code(200).header('content-type', 'application/x-pem-file')
        .header('content-disposition', `attachment; filename="${view.serial}.pem"`).send(encodePem('CERTIFICATE', der));
      return reply;
    },
  }),
];
