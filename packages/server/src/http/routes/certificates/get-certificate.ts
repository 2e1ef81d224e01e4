/** GET /api/v1/certificates/:serial — a certificate: status, subject and dates (JSON), or ?format=pem for the certificate itself. */
import { z } from 'zod';
import { encodePem } from '@kyso/core';
import { ROLES } from '../../../auth/principal.ts';
import { HOLDER_KINDS, getCertificate } from '../../../services/certificate-service.ts';
import { route, type RouteDef } from '../../route.ts';
import { TAGS, certificateStatus, serialParams } from './schemas.ts';

const certificateView = z.object({
  serial: z.string(), profile: z.string(), subject: z.string(), status: certificateStatus, notBefore: z.string(), notAfter: z.string(),
  keySpec: z.string(), revocationReason: z.string().nullable(), revokedAt: z.string().nullable(), replaces: z.string().nullable(),
  credential: z.object({ kind: z.enum(HOLDER_KINDS), agencyId: z.string(), userId: z.string().nullable(), state: z.string() }).nullable(),
});

export const definition: RouteDef = route({
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
});
