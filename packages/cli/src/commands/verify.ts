/**
 * `kyso verify FILE.pdf [--trust ROOT.pem]… [--at ISO-TIME] [--offline] [--json] [--report OUT.pdf]
 * [--lang vi|en] [--pdf-pass-env VAR]`: validates every signature of a PDF. Exit 0 when every
 * signature is TOTAL_PASSED and nothing disallowed changed after it, 1 when any is TOTAL_FAILED,
 * 2 when the worst is INDETERMINATE; 64+ for usage errors and unreadable input.
 */
import { KysoError, decodePemAll } from '@kyso/core';
import { summariseReport } from '@kyso/core/pdf/validation/summary.ts';
import { renderReportPdf } from '@kyso/core/pdf/validation/report-pdf.ts';
import type { DocumentReport } from '@kyso/core/pdf/validation/report.ts';
import { nodeCrypto } from '@kyso/server/crypto/node-crypto.ts';
import { systemClock } from '@kyso/server/services/system-clock.ts';
import { verifyPdfDocument } from '@kyso/server/services/pdf-verification.ts';
import { defaultAppearanceFonts } from '@kyso/server/services/pdf-signing.ts';
import { AtomicFiles, readInput, readSecret } from '../io.ts';
import { parse, type Out } from '../cli-kit.ts';

export const VERIFY_EXIT = { passed: 0, failed: 1, indeterminate: 2 } as const;

export function verifyExitCode(r: DocumentReport): number {
  if (r.indication === 'TOTAL_FAILED') return VERIFY_EXIT.failed;
  if (r.indication === 'INDETERMINATE') return VERIFY_EXIT.indeterminate;
  return VERIFY_EXIT.passed;
}

export async function verifyCommand(args: string[], out: Out): Promise<number> {
  const { values: v, positionals } = parse(args, {
    trust: { type: 'string', multiple: true }, at: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' },
    report: { type: 'string' }, lang: { type: 'string' }, 'pdf-pass-env': { type: 'string' },
  }, true);
  if (positionals.length !== 1) throw new KysoError('invalid-argument', 'give exactly one PDF to verify');
  const lang = (v.lang ?? 'vi') as 'vi' | 'en';
  if (lang !== 'vi' && lang !== 'en') throw new KysoError('invalid-argument', `--lang must be vi or en, got "${v.lang}"`);
  let at: Date | undefined;
  if (v.at !== undefined) {
    at = new Date(v.at);
    if (Number.isNaN(at.getTime())) throw new KysoError('invalid-argument', `--at must be an ISO 8601 time, got "${v.at}"`);
  }
  const trustAnchors: Uint8Array[] = [];
  for (const file of (v.trust ?? []) as string[]) {
    const blocks = decodePemAll(new TextDecoder().decode(readInput(file, 'trust anchor file'))).filter((b) => b.label === 'CERTIFICATE');
    if (blocks.length === 0) throw new KysoError('malformed', `${file} holds no PEM certificate`);
    trustAnchors.push(...blocks.map((b) => b.der));
  }
  const password = v['pdf-pass-env'] ? readSecret({ env: v['pdf-pass-env'], what: 'PDF password' }) : undefined;
  const file = positionals[0]!;
  const bytes = readInput(file, 'PDF');
  const report = await verifyPdfDocument(bytes, {
    trustAnchors, at, revocation: v.offline ? 'embedded' : 'online', crypto: nodeCrypto, clock: systemClock, password, timeoutMs: 10_000,
  });
  if (v.report) {
    const pdf = await renderReportPdf(report, { lang, fonts: defaultAppearanceFonts() as { regular: Uint8Array; bold: Uint8Array } });
    const files = new AtomicFiles();
    try {
      files.reserve(v.report, { overwrite: true, mode: 0o666 });
      files.write(v.report, pdf);
      files.commit();
    } catch (e) {
      files.abort();
      throw e;
    }
  }
  out.stdout(v.json ? `${JSON.stringify(report, null, 2)}\n` : `${summariseReport(report, lang)}\n`);
  return verifyExitCode(report);
}
