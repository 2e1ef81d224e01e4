/**
 * `kyso sign`:
 * - `kyso sign IN.pdf -o OUT.pdf (--p12 … | --pkcs11 …) [--level B-B|B-T|B-LT|B-LTA] [--preset …] …`:
 *   a PAdES signature appended as an incremental update (see README for every option);
 * - `kyso sign --batch IN_DIR -o OUT_DIR …`: every *.pdf of IN_DIR on worker threads (all cores),
 *   a progress bar on a terminal, one JSON line per file otherwise;
 * - `kyso sign FILE --cades -o FILE.p7s --p12 … [--level B-B|B-T] [--tsa URL]`: a detached CAdES
 *   signature of any file.
 * Outputs are written atomically or not at all.
 */
import { KysoError, parseCertificate } from '@kyso/core';
import { readPkcs12 } from '@kyso/server/keys/pkcs12.ts';
import { KeyObjectSigner } from '@kyso/server/keys/key-object-signer.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { systemClock } from '@kyso/server/services/system-clock.ts';
import { signDetachedCades, type CadesLevel } from '@kyso/server/services/file-signing.ts';
import { AtomicFiles, readGrowableInput, readInput, readSecret } from '../io.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';
import { PDF_SIGN_OPTIONS, isPdf, jobFromOptions, loadIdentity, runPdfSignJob } from './pdf-sign-job.ts';
import { batchSign } from './sign-batch.ts';

export async function signCommand(args: string[], out: Out): Promise<number> {
  const { values: v, positionals } = parse(args, {
    ...PDF_SIGN_OPTIONS, cades: { type: 'boolean' }, out: { type: 'string', short: 'o' }, batch: { type: 'string' }, workers: { type: 'string' },
  }, true);
  if (v.batch !== undefined) {
    if (positionals.length) throw new KysoError('invalid-argument', 'with --batch IN_DIR give no input file');
    if (!v.out) throw new KysoError('invalid-argument', '-o OUT_DIR is required');
    const job = jobFromOptions(v);
    const workers = v.workers === undefined ? undefined : Number(v.workers);
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new KysoError('invalid-argument', '--workers must be 1–64');
    return batchSign({ inDir: v.batch, outDir: v.out, job, workers }, out);
  }
  if (positionals.length !== 1) throw new KysoError('invalid-argument', 'give exactly one file to sign');
  const file = positionals[0]!;
  const data = v.cades ? readInput(file, 'file to sign') : readGrowableInput(file, 'file to sign');
  if (!v.out) throw new KysoError('invalid-argument', `-o ${v.cades ? 'OUT.p7s' : 'OUT.pdf'} is required`);
  if (v.cades) return cades(file, data, v, out);
  if (!isPdf(data)) throw new KysoError('malformed', `${file} is not a PDF (no %PDF- header): use --cades for a detached CAdES signature (FILE.p7s)`);
  const job = jobFromOptions(v);
  const identity = loadIdentity(job.key);
  const files = new AtomicFiles();
  try {
    files.reserve(v.out, { overwrite: true, mode: 0o666 });
    const r = await runPdfSignJob(job, identity, data);
    files.write(v.out, r.bytes);
    files.commit();
    out.stdout(`signed ${file} (PAdES ${r.level}, field "${r.fieldName}") by ${identity.certificate.subjectString}\nwrote ${v.out}\n`);
    return EXIT.ok;
  } catch (e) {
    files.abort();
    throw e;
  } finally {
    identity.close();
  }
}

async function cades(file: string, data: Uint8Array, v: { out?: string; p12?: string; 'pass-env'?: string; 'pass-file'?: string; level?: string; tsa?: string }, out: Out): Promise<number> {
  if (!v.p12) throw new KysoError('invalid-argument', '--p12 KEY.p12 is required for --cades');
  const level = (v.level ?? (v.tsa ? 'B-T' : 'B-B')).toUpperCase();
  if (level !== 'B-B' && level !== 'B-T') throw new KysoError('invalid-argument', `--level must be B-B or B-T for CAdES, got "${v.level}"`);
  const password = readSecret({ env: v['pass-env'], file: v['pass-file'], what: 'PKCS#12 password' });
  if (password === undefined) throw new KysoError('invalid-argument', 'the PKCS#12 password is needed: --pass-env VAR or --pass-file FILE');
  const p12 = readPkcs12(readInput(v.p12, 'PKCS#12 file'), password);
  const files = new AtomicFiles();
  try {
    files.reserve(v.out!, { overwrite: true, mode: 0o666 });
    const certificate = parseCertificate(p12.certificate);
    const signature = await signDetachedCades({
      data, signer: new KeyObjectSigner(p12.privateKey), certificate, chain: p12.chain, level: level as CadesLevel, tsaUrl: v.tsa,
      clock: systemClock, crypto: nodeCrypto,
    });
    files.write(v.out!, signature);
    files.commit();
    out.stdout(`signed ${file} (CAdES ${level}) by ${certificate.subjectString}\nwrote ${v.out}\n`);
    return EXIT.ok;
  } catch (e) {
    files.abort();
    throw e;
  }
}
