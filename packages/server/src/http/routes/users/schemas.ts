/**
 * Shared by the people routes: agency administrators manage their own agency's people, system
 * administrators everyone's; passwords; the leaders' handwritten-signature images.
 */
import { z } from 'zod';
import { ROLES } from '../../../auth/principal.ts';
import { PERSON_UID } from '../../../services/directory-service.ts';

export const uid = z.string().regex(PERSON_UID, 'uid is CCCD: followed by the 12-digit citizen identity number');
export const fullName = z.string().trim().min(1).max(200);
export const position = z.string().trim().min(1).max(200);
export const roles = z.array(z.enum(ROLES)).min(1).max(ROLES.length);
export const password = z.string().min(1).max(256);

export const userView = z.object({
  id: z.string(), username: z.string(), fullName: z.string(), agencyId: z.string(), position: z.string(), roles: z.array(z.enum(ROLES)),
  uid: z.string().nullable(), status: z.enum(['active', 'disabled']), hasSignature: z.boolean(), lockedUntil: z.string().nullable(), createdAt: z.string(),
});

export const ADMINS = ['sysadmin', 'agency_admin'] as const;
