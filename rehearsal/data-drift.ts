/**
 * The data-drift scenario's fault: a person changes one row directly on green (through green's own
 * instance endpoint, overriding its read-only default for the session) after replication has caught up.
 * Replication never carries it back, so blue and green differ for good.
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

/**
 * Whether `text` (the refusal) names a key range of the drifted table that holds the changed row, e.g.
 * "public.rehearsal_writes id in [1, 1001)", "id in (-∞, 1001)", "id in [5001, 7342]".
 */
export const namesRangeOf = (text: string, row: DriftedRow): boolean => {
  const escaped = row.table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${escaped} id in ([[(])(-∞|-?\\d+), (\\+∞|-?\\d+)([)\\]])`, 'g');
  const id = BigInt(row.id);
  for (const m of text.matchAll(re)) {
    const [, , lo, hi, close] = m;
    const above = lo === '-∞' || BigInt(lo as string) <= id;
    const below = hi === '+∞' || (close === ']' ? id <= BigInt(hi as string) : id < BigInt(hi as string));
    if (above && below) return true;
  }
  return false;
};
