/**
 * The key ceremony file: one reviewable JSON document that says how the root and issuing CA are made
 * (names, key types, validity, URLs written into certificates, policy OIDs, where keys live).
 * Validated once; a bad file fails with the list of its problems.
 */
import { z } from 'zod';
import { KysoError, parseDnString, parseKeySpec } from '@kyso/core';

const dn = z.string().min(3).superRefine((v, ctx) => {
  try { parseDnString(v); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); }
});
const keyName = z.string().superRefine((v, ctx) => {
  try { parseKeySpec(v); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); }
});
const url = z.string().regex(/^(https?|ldap):\/\/[^\s]+$/, 'must be an http(s):// or ldap:// URL');
const oid = z.string().regex(/^[0-2](\.(0|[1-9]\d*))+$/, 'must be a dotted object identifier');

const caSpec = z.object({
  subject: dn,
  key: keyName,
  years: z.number().int().min(1).max(20),
  hash: z.enum(['SHA-256', 'SHA-384', 'SHA-512']).optional(),
  rsaPadding: z.enum(['pss', 'pkcs1']).default('pss'),
}).strict();

export const ceremonySchema = z.object({
  root: caSpec,
  issuing: caSpec,
  /** Base URL of the PKI endpoints (`kyso serve-pki`/`kyso serve`); the defaults below derive from it. */
  baseUrl: url.default('http://127.0.0.1:8080'),
  crlUrls: z.array(url).optional(),
  ocspUrls: z.array(url).optional(),
  caIssuersUrls: z.array(url).optional(),
  policies: z.array(oid).default(['2.999.84.1.1']),
  /** TSA policy OID written into timestamp tokens (RFC 3161 §2.4.2). */
  tsaPolicy: oid.optional(),
  keyStorage: z.discriminatedUnion('type', [
    z.object({ type: z.literal('encrypted-file') }).strict(),
    z.object({ type: z.literal('pkcs11'), module: z.string().min(1), token: z.string().min(1) }).strict(),
  ]).default({ type: 'encrypted-file' }),
}).strict().superRefine((c, ctx) => {
  if (c.issuing.years > c.root.years) ctx.addIssue({ code: 'custom', path: ['issuing', 'years'], message: 'the issuing CA cannot outlive the root' });
});

export type Ceremony = z.infer<typeof ceremonySchema>;

/** The ceremony used when none is given: a demo province CA. */
export const DEFAULT_CEREMONY = {
  root: { subject: 'CN=Kyso Demo Root CA,O=Ủy ban nhân dân tỉnh Demo,ST=Demo,C=VN', key: 'p384', years: 20 },
  issuing: { subject: 'CN=Kyso Demo Issuing CA,O=Ủy ban nhân dân tỉnh Demo,ST=Demo,C=VN', key: 'p256', years: 10 },
};

/** Validates a ceremony object; throws KysoError('invalid-argument') listing every problem. */
export function parseCeremony(input: unknown): Ceremony {
  const r = ceremonySchema.safeParse(input ?? DEFAULT_CEREMONY);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new KysoError('invalid-argument', `ceremony file has ${problems.length} problem(s): ${problems.join('; ')}`, { details: problems });
  }
  return r.data;
}

/**
 * URLs written into the certificates an issuer signs, derived from the base URL unless the ceremony
 * gives them (explicit lists apply to the issuing CA's subscribers; the root's come from the base URL).
 */
export function ceremonyUrls(c: Ceremony, issuer: 'root' | 'issuing'): { crl: string[]; ocsp: string[]; caIssuers: string[] } {
  const base = c.baseUrl.replace(/\/+$/, '');
  const derived = { crl: [`${base}/crl/${issuer}.crl`], ocsp: [`${base}/ocsp`], caIssuers: [`${base}/ca/${issuer}.crt`] };
  if (issuer === 'root') return derived;
  return { crl: c.crlUrls ?? derived.crl, ocsp: c.ocspUrls ?? derived.ocsp, caIssuers: c.caIssuersUrls ?? derived.caIssuers };
}

export function parseCeremonyJson(text: string): Ceremony {
  let obj: unknown;
  try { obj = JSON.parse(text); } catch (e) { throw new KysoError('malformed', `ceremony file is not JSON: ${(e as Error).message}`); }
  return parseCeremony(obj);
}
