/**
 * Full-count fuzzing (`npm run fuzz [-- --iterations N --seed S]`): the OCSP and TSA request parsers
 * with mutated and random DER (≥ 100,000 inputs each by default), then the same inputs through the
 * responders, whose every answer must be a well-formed protocol reply. The test suite runs a smaller
 * slice of the same harnesses.
 */
import { fuzzOcspRequestParser } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { fuzzTimeStampReqParser } from '@kyso/core/tsp/fuzz-tsp-request.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const iterations = arg('iterations', 100_000);
const seed = arg('seed', 20261127);

let failed = false;
for (const [name, fn] of [['ocsp-request', fuzzOcspRequestParser], ['tsp-request', fuzzTimeStampReqParser]] as const) {
  const t = performance.now();
  try {
    const r = fn({ iterations, seed });
    const s = (performance.now() - t) / 1000;
    console.log(`fuzz ${name}: ${r.iterations} inputs in ${s.toFixed(1)} s (${Math.round(r.iterations / s)}/s): ${r.malformed} rejected as malformed, ${r.accepted} accepted, slowest input ${r.maxMs.toFixed(2)} ms, 0 crashes`);
  } catch (e) {
    failed = true;
    console.error(`fuzz ${name}: FAILED — ${(e as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
