import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTime, TAG } from './asn1-values.ts';
import { isKysoError } from '../errors.ts';
import type { Tlv } from '../asn1/der.ts';

/** The time's TLV, preceded by two unrelated bytes so that offsets are exercised. */
function timeTlv(tag: number, s: string): { bytes: Uint8Array; t: Tlv } {
  const bytes = new Uint8Array([0xee, 0xee, tag, s.length, ...[...s].map((c) => c.charCodeAt(0)), 0xee]);
  return { bytes, t: { tag, start: 2, valueStart: 4, end: 4 + s.length } as Tlv };
}

test('decodeTime: UTCTime (RFC 5280 §4.1.2.5.1 century rule) and GeneralizedTime, with or without a fraction', () => {
  const cases: Array<[number, string, string]> = [
    [TAG.UTCTime, '261127021530Z', '2026-11-27T02:15:30.000Z'],
    [TAG.UTCTime, '500101000000Z', '1950-01-01T00:00:00.000Z'],
    [TAG.UTCTime, '491231235959Z', '2049-12-31T23:59:59.000Z'],
    [TAG.GeneralizedTime, '20261127021530Z', '2026-11-27T02:15:30.000Z'],
    [TAG.GeneralizedTime, '20261127021530.123Z', '2026-11-27T02:15:30.000Z'],
    [TAG.GeneralizedTime, '00500101000000Z', '0050-01-01T00:00:00.000Z'],
    [TAG.GeneralizedTime, '99991231235959Z', '9999-12-31T23:59:59.000Z'],
  ];
  for (const [tag, s, iso] of cases) {
    const { bytes, t } = timeTlv(tag, s);
    assert.equal(decodeTime(bytes, t).toISOString(), iso, s);
  }
});

test('decodeTime refuses every other form with a malformed error naming the text', () => {
  const bad: Array<[number, string, RegExp]> = [
    [TAG.UTCTime, '2611270215Z', /not of the form YYMMDDHHMMSSZ/],
    [TAG.UTCTime, '261127021530', /not of the form/],
    [TAG.UTCTime, '26112702153aZ', /"26112702153aZ"/],
    [TAG.UTCTime, '261327021530Z', /out of range/],
    [TAG.UTCTime, '261127241530Z', /out of range/],
    [TAG.GeneralizedTime, '20261127021530.Z', /not of the form YYYYMMDDHHMMSSZ/],
    [TAG.GeneralizedTime, '2026112702153Z', /not of the form/],
    [TAG.GeneralizedTime, '20261127021530+0700', /not of the form/],
    [TAG.GeneralizedTime, '20261127021530.1a2Z', /not of the form/],
    [TAG.GeneralizedTime, '20261127021530.aZ', /not of the form/],
    [TAG.GeneralizedTime, '20261127021530.12', /not of the form/],
    [TAG.GeneralizedTime, '-0261127021530Z', /not of the form/],
    [TAG.GeneralizedTime, '20261100021530Z', /out of range/],
    [TAG.OCTET_STRING, '261127021530Z', /expected a UTCTime or GeneralizedTime/],
  ];
  for (const [tag, s, message] of bad) {
    const { bytes, t } = timeTlv(tag, s);
    assert.throws(() => decodeTime(bytes, t), (e: unknown) => isKysoError(e) && e.kind === 'malformed' && message.test(e.message), s);
  }
});
