/**
 * kyso's certificate linter — lint-before-sign. The CA encodes every certificate first with a
 * throwaway key, parses it with `parseCertificate`, lints it, and issues only if no finding is an
 * error.
 *
 * The generic lints follow RFC 5280 (§4.1 certificate fields, §4.2 extensions) and the RFCs that
 * profile its algorithms (RFC 3279, RFC 4055, RFC 5480, RFC 8410, RFC 9881) and extensions
 * (RFC 6960 ocsp-nocheck, RFC 6962 CT, RFC 3739 qcStatements, RFC 9598 SmtpUTF8Mailbox); they read
 * the exact DER, so encoding errors that parsers quietly accept (BOOLEAN octets, DEFAULT values,
 * non-minimal INTEGERs, trailing BIT STRING zeros, string types, time formats) are caught. The
 * kyso lints enforce the certificate profiles of x509/profiles.ts.
 */
import type { ParsedCertificate } from '../../x509/certificate.ts';
import { getProfile } from '../../x509/profiles.ts';
import { lintGeneric } from './cert-lints.ts';
import { LintContext } from './context.ts';
import { lintProfile } from './kyso-lints.ts';
import type { LintFinding, LintOptions } from './types.ts';

export type { LintCode, LintFinding, LintOptions, LintSeverity } from './types.ts';
export { LINT_RULES } from './types.ts';

const ORDER = { error: 0, warning: 1, notice: 2 } as const;

/**
 * Lints a certificate. Without `opts.profile`, only the generic RFC 5280 lints run; with it, the
 * kyso profile lints run too. `opts.issuer` enables the AKI / issuer name / validity-nesting checks
 * (RFC 5280 §4.2.1.1, §4.1.2.4), `opts.renewalOf` the renewal limit instead of the new-certificate
 * maximum validity.
 *
 * Never throws for a malformed certificate: DER problems are findings. Findings are ordered
 * errors first, then warnings, then notices.
 */
export function lintCertificate(cert: ParsedCertificate, opts: LintOptions = {}): LintFinding[] {
  const ctx = new LintContext(cert, opts);
  lintGeneric(ctx);
  if (opts.profile) lintProfile(ctx, getProfile(opts.profile));
  const seen = new Set<string>();
  const out: LintFinding[] = [];
  for (const f of ctx.sink.findings) {
    const key = `${f.code}\u0000${f.path ?? ''}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** True if any finding is an error — the CA must then refuse to issue. */
export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
