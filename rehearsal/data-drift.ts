/**
 * The data-drift scenario's fault: a person changes one row directly on green (through green's own
 * instance endpoint, overriding its read-only default for the session) after replication has caught up.
 * Replication never carries it back, so blue and green differ for good. The check that the refusal names
 * the changed row's key range is the judge's (`namesRangeOf` in judge.ts).
 */
import pg from 'pg';
import { WRITES_TABLE } from './input.ts';

export interface DriftedRow {
  table: string;
  id: string;
}

/** Changes the oldest row of the writes table on green; returns which one. */
export const changeRowOnGreen = async (green: pg.ClientConfig): Promise<DriftedRow> => {
  const client = new pg.Client({ ...green, application_name: 'rehearsal-data-drift' });
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = off');
    const { rows } = await client.query<{ id: string }>(
      `UPDATE ${WRITES_TABLE} SET client = client + 1000
        WHERE id = (SELECT min(id) FROM ${WRITES_TABLE}) RETURNING id::text AS id`,
    );
    const id = rows[0]?.id;
    if (!id) throw new Error(`data-drift: ${WRITES_TABLE} on green has no row to change`);
    return { table: `public.${WRITES_TABLE}`, id };
  } finally {
    await client.end().catch(() => undefined);
  }
};
