/**
 * Document numbers (*số, ký hiệu*) as Decree 30/2020/NĐ-CP, Art. 15 and Appendix I/III write them:
 * `<number>/<type>-<agency>`, e.g. `15/QĐ-UBND`. The number runs from 01 on 1 January to 31
 * December (Vietnam time, UTC+07:00 all year), with a leading zero below 10, and is unique within
 * the year — kyso keeps one series per agency, year and document type, so a decision (QĐ) and a
 * report (BC) each count from 01. A *công văn* (CV) carries no type abbreviation: its symbol is the
 * agency's short name alone (`05/UBND`; the drafting unit's suffix is the author's to add in the
 * text). Numbers come from a shared counter (`reserveCounter`), so two servers never hand out the
 * same one, and a number is never reused, even when sealing fails after it was taken.
 */
import { KysoError } from '@kyso/core';
import { isoLocalTime } from '@kyso/core/pdf/pdf-objects.ts';
import type { Kysely, Transaction } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';
import { reserveCounter } from './counters.ts';

/** Vietnam's UTC offset (no daylight saving), minutes. */
export const VIETNAM_UTC_OFFSET_MINUTES = 420;

/**
 * A series code: the type abbreviation of Appendix III (QĐ, TTr, QyĐ, CV for công văn…), a capital
 * first (Đ counts), then up to nine letters.
 */
export const SERIES_PATTERN = /^[A-ZĐ][A-Za-zĐđ]{0,9}$/;

/** The series with no type abbreviation in the symbol (công văn). */
export const UNTYPED_SERIES = 'CV';

export function checkSeries(series: string): string {
  if (!SERIES_PATTERN.test(series)) throw new KysoError('invalid-argument', `series "${series}" is not a document type abbreviation (Decree 30, Appendix III: QĐ, TTr, BC, CV, …)`);
  return series;
}

/** The calendar date in Vietnam at `at`: { year, iso: 'YYYY-MM-DD', display: 'DD/MM/YYYY' }. */
export function vietnamDate(at: Date): { year: number; iso: string; display: string } {
  const iso = isoLocalTime(at, VIETNAM_UTC_OFFSET_MINUTES).slice(0, 10);
  return { year: Number(iso.slice(0, 4)), iso, display: displayDate(iso) };
}

/** 'YYYY-MM-DD' → 'DD/MM/YYYY', as the date reads on a Vietnamese document. */
export function displayDate(iso: string): string {
  const [y, m, d] = iso.split('-') as [string, string, string];
  return `${d}/${m}/${y}`;
}

/** `15/QĐ-UBND`; numbers below 10 get their leading zero (`05/TTr-SNV`); công văn: `05/UBND`. */
export function formatDocumentNumber(n: number, series: string, agencyShortName: string): string {
  const num = n < 10 ? `0${n}` : String(n);
  return series === UNTYPED_SERIES ? `${num}/${agencyShortName}` : `${num}/${series}-${agencyShortName}`;
}

export interface ReservedNumber { number: number; year: number; text: string; date: string }

/**
 * Takes the next number of the agency's series for the year of `at` (Vietnam time), inside the
 * caller's transaction — the caller writes it onto the document in the same transaction.
 */
export async function reserveDocumentNumber(trx: Transaction<KysoDatabase> | Kysely<KysoDatabase>, p: { agencyId: string; series: string; agencyShortName: string; at: Date }): Promise<ReservedNumber> {
  checkSeries(p.series);
  const day = vietnamDate(p.at);
  const n = Number(await reserveCounter(trx, `docnum:${p.agencyId}:${day.year}:${p.series}`));
  return { number: n, year: day.year, text: formatDocumentNumber(n, p.series, p.agencyShortName), date: day.iso };
}
