/**
 * `kyso sign FILE --cades -o FILE.p7s --p12 KEY.p12 --pass-env VAR [--level B-B|B-T] [--tsa URL]`:
 * a detached CAdES signature of any file. (PAdES signing of PDFs is issue #4 and not here yet:
 * asking for it is a clear error, never a silent fallback.)
 */
import { KysoError, parseCertificate } from '@kyso/core';
import { readPkcs12 } from '@kyso/server/keys/pkcs12.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { systemClock } from '@kyso/server/services/ca-directory.ts';
import { signDetachedCades, type CadesLevel } from '@kyso/server/services/file-signing.ts';
import { AtomicFiles, readInput, readSecret } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

export async function signCommand(args: string[], out: Out): Promise<number> {
  const { values: v, positionals } = parse(args, {
    cades: { type: 'boolean' }, out: { type: 'string', short: 'o' }, p12: { type: 'string' }, 'pass-env': { type: 'string' }, 'pass-file': { type: 'string' },
    level: { type: 'string' }, tsa: { type: 'string' },
  }, true);
  if (positionals.length !== 1) throw new KysoError('invalid-argument', 'give exactly one file to sign');
  const file = positionals[0]!;
  const data = readInput(file, 'file to sign');
  if (!v.cades) {
    const isPdf = Buffer.from(data.subarray(0, 1024)).toString('latin1').includes('%PDF-');
    throw new KysoError('unsupported', isPdf
      ? 'PAdES signing of PDFs is not available in this version yet; use --cades for a detached CAdES signature (FILE.p7s)'
      : 'this is not a PDF: use --cades for a detached CAdES signature (FILE.p7s)');
  }
  if (!v.out) throw new KysoError('invalid-argument', '-o OUT.p7s is required');
  if (!v.p12) throw new KysoError('invalid-argument', '--p12 KEY.p12 is required (PKCS#11 keys come with PAdES signing)');
  const level = (v.level ?? (v.tsa ? 'B-T' : 'B-B')).toUpperCase();
  if (level !== 'B-B' && level !== 'B-T') throw new KysoError('invalid-argument', `--level must be B-B or B-T for CAdES here, got "${v.level}"`);
  const password = readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'PKCS#12 password' });
  if (password === undefined) throw new KysoError('invalid-argument', 'the PKCS#12 password is needed: --pass-env VAR or --pass-file FILE');
  const p12 = readPkcs12(readInput(v.p12, 'PKCS#12 file'), password);
  const files = new AtomicFiles();
  try {
    files.reserve(v.out, { overwrite: true });
    const certificate = parseCertificate(p12.certificate);
    const signature = await signDetachedCades({
      data, signer: new KeyObjectSigner(p12.privateKey), certificate, chain: p12.chain, level: level as CadesLevel, tsaUrl: v.tsa,
      clock: systemClock, crypto: nodeCrypto,
    });
    files.write(v.out, signature);
    files.commit();
    out.stdout(`signed ${file} (CAdES ${level}) by ${certificate.subjectString}\nwrote ${v.out}\n`);
    return EXIT.ok;
  } catch (e) {
    files.abort();
    throw e;
  }
}
