/**
 * Monotonic counters shared by every instance on one database (CRL numbers, TSA serial blocks):
 * an atomic `UPDATE … RETURNING`, so two servers never hand out the same value.
 */
import type { Kysely, Transaction } from 'kysely';
import type { KysoDatabase } from '../store/database.ts';

/** Reserves `count` consecutive values of a counter; returns the first one (counters start at 1). */
export async function reserveCounter(db: Kysely<KysoDatabase> | Transaction<KysoDatabase>, name: string, count = 1): Promise<bigint> {
  await db.insertInto('counters').values({ name, value: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', count) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return BigInt(String(row.value)) - BigInt(count) + 1n;
}
