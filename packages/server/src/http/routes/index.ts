/**
 * Every API route: one folder per area, one file per route (its schemas, access rule and handler;
 * what an area's routes share is in its schemas.ts). Imported one by one — no globbing at run
 * time — in a fixed order, so the OpenAPI document is stable.
 */
import type { RouteDef } from '../route.ts';
// system
import { definition as health } from './system/health.ts';
// auth: password and passkey login, passkeys, signing approvals, API tokens
import { definition as login } from './auth/login.ts';
import { definition as logout } from './auth/logout.ts';
import { definition as me } from './auth/me.ts';
import { definition as passkeyRegisterOptions } from './auth/passkey-register-options.ts';
import { definition as passkeyRegisterVerify } from './auth/passkey-register-verify.ts';
import { definition as listPasskeys } from './auth/list-passkeys.ts';
import { definition as removePasskey } from './auth/remove-passkey.ts';
import { definition as passkeyLoginOptions } from './auth/passkey-login-options.ts';
import { definition as passkeyLoginVerify } from './auth/passkey-login-verify.ts';
import { definition as approvalOptions } from './auth/approval-options.ts';
import { definition as createToken } from './auth/create-token.ts';
import { definition as listTokens } from './auth/list-tokens.ts';
import { definition as revokeToken } from './auth/revoke-token.ts';
// agencies: the directory with dated name versions, and the agencies' seals
import { definition as listAgencies } from './agencies/list-agencies.ts';
import { definition as getAgency } from './agencies/get-agency.ts';
import { definition as createAgency } from './agencies/create-agency.ts';
import { definition as renameAgency } from './agencies/rename-agency.ts';
import { definition as mergeAgencies } from './agencies/merge-agencies.ts';
import { definition as splitAgency } from './agencies/split-agency.ts';
import { definition as addSeal } from './agencies/add-seal.ts';
import { definition as listSeals } from './agencies/list-seals.ts';
import { definition as getSealImage } from './agencies/get-seal-image.ts';
// users: an agency's people, passwords, handwritten-signature images
import { definition as listUsers } from './users/list-users.ts';
import { definition as getUser } from './users/get-user.ts';
import { definition as createUser } from './users/create-user.ts';
import { definition as updateUser } from './users/update-user.ts';
import { definition as resetPassword } from './users/reset-password.ts';
import { definition as changeOwnPassword } from './users/change-own-password.ts';
import { definition as setSignature } from './users/set-signature.ts';
import { definition as getSignature } from './users/get-signature.ts';
// certificates: the registration authority (requests, approval, activation) and reading certificates
import { definition as createCertificateRequest } from './certificates/create-certificate-request.ts';
import { definition as listCertificateRequests } from './certificates/list-certificate-requests.ts';
import { definition as getCertificateRequest } from './certificates/get-certificate-request.ts';
import { definition as approveCertificateRequest } from './certificates/approve-certificate-request.ts';
import { definition as rejectCertificateRequest } from './certificates/reject-certificate-request.ts';
import { definition as activateCredential } from './certificates/activate-credential.ts';
import { definition as listCredentials } from './certificates/list-credentials.ts';
import { definition as getCertificate } from './certificates/get-certificate.ts';
// documents: upload, read, batch signature and seal (Decree 30/2020/NĐ-CP)
import { definition as uploadDocument } from './documents/upload-document.ts';
import { definition as listDocuments } from './documents/list-documents.ts';
import { definition as getDocument } from './documents/get-document.ts';
import { definition as getDocumentPdf } from './documents/get-document-pdf.ts';
import { definition as getRevisionPdf } from './documents/get-revision-pdf.ts';
import { definition as signDocuments } from './documents/sign-documents.ts';
import { definition as sealDocuments } from './documents/seal-documents.ts';
// audit: the append-only, hash-chained audit log (services/audit-log.ts)
import { definition as listAuditEntries } from './audit/list-audit-entries.ts';
import { definition as verifyAuditLog } from './audit/verify-audit-log.ts';
// webhooks: the agency's document-event webhooks (services/webhook-service.ts)
import { definition as createWebhook } from './webhooks/create-webhook.ts';
import { definition as listWebhooks } from './webhooks/list-webhooks.ts';
import { definition as deleteWebhook } from './webhooks/delete-webhook.ts';

export const ALL_ROUTES: readonly RouteDef[] = [
  health,
  login, logout, me, passkeyRegisterOptions, passkeyRegisterVerify, listPasskeys, removePasskey, passkeyLoginOptions, passkeyLoginVerify,
  approvalOptions, createToken, listTokens, revokeToken,
  listAgencies, getAgency, createAgency, renameAgency, mergeAgencies, splitAgency, addSeal, listSeals, getSealImage,
  listUsers, getUser, createUser, updateUser, resetPassword, changeOwnPassword, setSignature, getSignature,
  createCertificateRequest, listCertificateRequests, getCertificateRequest, approveCertificateRequest, rejectCertificateRequest,
  activateCredential, listCredentials, getCertificate,
  uploadDocument, listDocuments, getDocument, getDocumentPdf, getRevisionPdf, signDocuments, sealDocuments,
  listAuditEntries, verifyAuditLog,
  createWebhook, listWebhooks, deleteWebhook,
];
