/**
 * The one error type of kyso. `kind` says what went wrong in terms a caller can act on;
 * the HTTP edge maps kinds to problem+json, the CLI to one line on stderr and an exit code.
 *
 * Core throws only for malformed input or refused requests (a weak key, a bad profile);
 * a signature or certificate that does not verify is a report, never an exception.
 */
export type ErrorKind =
  | 'malformed'      // input that cannot be parsed (DER, PEM, CSR, DN string…)
  | 'unsupported'    // well-formed but uses something kyso does not handle
  | 'weak-crypto'    // key or hash below the policy floor
  | 'policy'         // refused by a certificate profile or lint
  | 'invalid-argument'
  | 'not-found'
  | 'conflict'
  | 'auth'           // wrong passphrase / PIN; not logged in
  | 'forbidden'      // logged in, but this role or agency may not do it
  | 'rate-limited'   // too many attempts; try again later
  | 'too-large'      // input over a size limit
  | 'io'
  | 'internal';

export class KysoError extends Error {
  readonly kind: ErrorKind;
  readonly details?: unknown;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KysoError';
    this.kind = kind;
    this.details = options?.details;
  }
}

export function isKysoError(e: unknown, kind?: ErrorKind): e is KysoError {
  return e instanceof KysoError && (kind === undefined || e.kind === kind);
}
