/**
 * Full-count fuzzing (`npm run fuzz [-- --iterations N --seed S]`): the OCSP and TSA request parsers
 * with mutated and random DER (≥ 100,000 inputs each by default), then the same inputs through the
 * responders, whose every answer must be a well-formed protocol reply. The test suite runs a smaller
 * slice of the same harnesses.
 */
import { fuzzOcspRequestParser } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { fuzzTimeStampReqInputs, fuzzTimeStampReqParser } from '@kyso/core/tsp/fuzz-tsp-request.ts';
import { fuzzOcspRequestInputs } from '@kyso/core/ocsp/fuzz-ocsp-request.ts';
import { parseOcspResponse } from '@kyso/core/ocsp/ocsp-response.ts';
import { parseTimeStampResp } from '@kyso/core/tsp/index.ts';
import { CaService } from '@kyso/server/services/ca-service.ts';
import { startPki } from '@kyso/server/services/pki.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { TEST_CEREMONY, TEST_PASSPHRASE, openTestDb } from '@kyso/server/services/test-ca.ts';

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

// The same inputs through the live responders: every answer must be a well-formed protocol reply.
const responders = arg('responder-iterations', iterations);
{
  const t = await openTestDb('sqlite');
  try {
    await CaService.init(t.deps, { ceremony: parseCeremony(TEST_CEREMONY), secret: TEST_PASSPHRASE });
    const pki = await startPki(t.deps, await CaService.open(t.deps, TEST_PASSPHRASE), { pollMs: 600_000 });
    const t0 = performance.now();
    const statuses = new Map<string, number>();
    let n = 0;
    for (const input of fuzzOcspRequestInputs({ iterations: responders, seed })) {
      const reply = parseOcspResponse(await pki.ocsp.respond(input)); // throws when the reply is not an OCSPResponse
      if (reply.status === 'internalError') throw new Error(`internalError for input ${Buffer.from(input).toString('hex')}`);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      n++;
    }
    console.log(`fuzz ocsp-responder: ${n} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s, replies ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}, 0 crashes`);
    const t1 = performance.now();
    const tsa = new Map<string, number>();
    n = 0;
    for (const input of fuzzTimeStampReqInputs({ iterations: responders, seed })) {
      const reply = parseTimeStampResp(await pki.tsa.respond(input));
      if (reply.failInfo === 'systemFailure') throw new Error(`systemFailure for input ${Buffer.from(input).toString('hex')}`);
      const k = reply.status === 'granted' ? 'granted' : `${reply.status}/${reply.failInfo}`;
      tsa.set(k, (tsa.get(k) ?? 0) + 1);
      n++;
    }
    console.log(`fuzz tsa-responder: ${n} requests in ${((performance.now() - t1) / 1000).toFixed(1)} s, replies ${[...tsa].map(([k, v]) => `${k} ${v}`).join(', ')}, 0 crashes`);
    pki.close();
  } catch (e) {
    failed = true;
    console.error(`fuzz responders: FAILED — ${(e as Error).message}`);
  } finally {
    await t.cleanup();
  }
}
process.exit(failed ? 1 : 0);
