/** `kyso x509 verify`: RFC 5280 §6 path validation of one certificate. */
import { KysoError, derOrPem, parseCertificate } from '@kyso/core';
import { validatePath } from '@kyso/core/x509/path-validation.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { readInput } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

function certsFrom(path: string, what: string): Uint8Array[] {
  return derOrPem(readInput(path, what), ['CERTIFICATE', 'TRUSTED CERTIFICATE']);
}

export async function x509Command(args: string[], out: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new KysoError('invalid-argument', `unknown command "x509 ${sub ?? ''}": use x509 verify`);
  const { values: v, positionals } = parse(rest, {
    trust: { type: 'string', multiple: true }, untrusted: { type: 'string', multiple: true }, crl: { type: 'string', multiple: true },
    at: { type: 'string' }, json: { type: 'boolean' },
  }, true);
  if (positionals.length !== 1) throw new KysoError('invalid-argument', 'give exactly one certificate file to verify');
  if (!v.trust?.length) throw new KysoError('invalid-argument', '--trust ROOT.pem is required');
  let at = new Date();
  if (v.at !== undefined) {
    at = new Date(v.at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v.at) || Number.isNaN(at.getTime())) throw new KysoError('invalid-argument', `--at must be an ISO 8601 time, got "${v.at}"`);
  }
  const target = certsFrom(positionals[0]!, 'certificate')[0]!;
  parseCertificate(target); // unreadable input is an error, not a verdict
  const trustAnchors = v.trust.flatMap((f) => certsFrom(f, 'trust anchor file'));
  const intermediates = (v.untrusted ?? []).flatMap((f) => certsFrom(f, 'untrusted certificates file'));
  const crls = (v.crl ?? []).flatMap((f) => derOrPem(readInput(f, 'CRL'), ['X509 CRL']));
  const r = validatePath({ target, trustAnchors, intermediates, crls, at, crypto: nodeCrypto, revocation: crls.length ? 'use-crls' : 'none' });
  if (v.json) {
    out.stdout(JSON.stringify({
      valid: r.valid, code: r.code ?? null, reason: r.reason ?? null, at: at.toISOString(),
      revocationChecked: crls.length > 0,
      path: r.path.map((c) => ({ subject: c.subjectString, issuer: c.issuerString, serial: c.serialHex, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() })),
      revocation: r.revocation ? { ...r.revocation, revokedAt: r.revocation.revokedAt?.toISOString() } : null,
    }, null, 2) + '\n');
  } else if (r.valid) {
    out.stdout(`OK: ${r.path[0]?.subjectString ?? ''}\n${r.path.map((c, i) => `  ${i}: ${c.subjectString}`).join('\n')}\n${crls.length ? '' : '(revocation not checked: no --crl given)\n'}`);
  } else {
    out.stdout(`INVALID (${r.code}): ${r.reason}\n`);
  }
  return r.valid ? EXIT.ok : EXIT.invalid;
}
