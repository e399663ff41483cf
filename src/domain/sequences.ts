/**
 * Sequences after the switch. RDS copies every sequence's position to green during a logical switchover
 * (events 0307/0308); check, do not trust: a sequence behind its column's maximum makes the next INSERT
 * that takes a default fail with a duplicate key, on the new primary, in production.
 */

export interface SequenceReading {
  /** schema-qualified sequence name */
  sequence: string;
  /** schema-qualified table and the column that owns the sequence (serial or identity) */
  table: string;
  column: string;
  /** pg_sequences.last_value as text; null before the first nextval (or setval(…, false)) */
  lastValue: string | null;
  increment: string;
  /** max(column) as text; null on an empty table */
  columnMax: string | null;
}

export interface SequenceShortfall {
  sequence: string;
  table: string;
  column: string;
  nextValue: string;
  columnMax: string;
  fix: string;
}

/** What the next nextval() returns: last + increment once called, otherwise the start (taken as last or 1). */
const nextValue = (r: SequenceReading): bigint =>
  r.lastValue === null ? 1n : BigInt(r.lastValue) + BigInt(r.increment);

/** Every ascending sequence whose next value is not above its column's maximum. */
export const sequenceShortfalls = (readings: SequenceReading[]): SequenceShortfall[] =>
  readings.flatMap((r) => {
    if (r.columnMax === null || BigInt(r.increment) < 0n) return [];
    const next = nextValue(r);
    if (next > BigInt(r.columnMax)) return [];
    return [
      {
        sequence: r.sequence,
        table: r.table,
        column: r.column,
        nextValue: next.toString(),
        columnMax: r.columnMax,
        fix: `SELECT setval('${r.sequence}', (SELECT max(${r.column}) FROM ${r.table}))`,
      },
    ];
  });

/** One verification problem per shortfall, naming the sequence and the statement that fixes it. */
export const describeShortfalls = (shortfalls: SequenceShortfall[]): string[] =>
  shortfalls.map(
    (s) =>
      `sequence ${s.sequence} is behind ${s.table}.${s.column}: next value ${s.nextValue} ≤ max ${s.columnMax}; the next INSERT using it fails with a duplicate key. Fix on the new primary: ${s.fix}`,
  );
