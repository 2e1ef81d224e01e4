/**
 * `kyso serve-pki --dir DIR [--port N] [--host 127.0.0.1]`: serves the CA's CRLs, CA certificates,
 * OCSP responder and TSA over HTTP until SIGINT/SIGTERM. The full server (`kyso serve`) will mount
 * the same routes.
 */
import { KysoError } from '@kyso/core';
import { CaService, openCaDirectory } from '@kyso/server/services/ca-directory.ts';
import { startPki } from '@kyso/server/services/pki.ts';
import { buildPkiApp } from '@kyso/server/http/app.ts';
import { readSecret } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

export async function servePkiCommand(args: string[], out: Out, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const { values: v } = parse(args, {
    dir: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'pass-env': { type: 'string' }, 'pass-file': { type: 'string' },
    'crl-period': { type: 'string' }, 'ocsp-validity': { type: 'string' }, 'poll-ms': { type: 'string' },
  });
  if (!v.dir) throw new KysoError('invalid-argument', '--dir DIR is required');
  const num = (s: string | undefined, name: string, min: number, max: number) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new KysoError('invalid-argument', `${name} must be a whole number from ${min} to ${max}`);
    return Number(s);
  };
  const port = num(v.port, '--port', 0, 65535) ?? 8080;
  const host = v.host ?? '127.0.0.1';
  const secret = readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'CA passphrase', fallbackEnv: 'KYSO_CA_PASSPHRASE' });
  if (!secret) throw new KysoError('invalid-argument', 'serve-pki signs CRLs, OCSP responses and timestamps: give the CA passphrase (--pass-env VAR or --pass-file FILE)');
  const d = await openCaDirectory(v.dir);
  let app;
  let pki;
  try {
    const ca = await CaService.open(d.deps, secret);
    pki = await startPki(d.deps, ca, {
      crlPeriodSeconds: num(v['crl-period'], '--crl-period', 60, 366 * 86400),
      ocspValiditySeconds: num(v['ocsp-validity'], '--ocsp-validity', 60, 7 * 86400),
      pollMs: num(v['poll-ms'], '--poll-ms', 50, 600_000),
    });
    app = buildPkiApp(pki);
    const address = await app.listen({ port, host });
    out.stdout(`kyso PKI services listening on ${address}\n  CRLs  ${address}/crl/root.crl ${address}/crl/issuing.crl\n  OCSP  ${address}/ocsp\n  TSA   ${address}/tsa\n`);
  } catch (e) {
    pki?.close();
    await app?.close();
    await d.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new KysoError('io', `port ${port} on ${host} is already in use`);
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
  });
  pki.close();
  await app.close();
  await d.close();
  return EXIT.ok;
}
