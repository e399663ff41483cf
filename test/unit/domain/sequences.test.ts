import { describe, expect, it } from 'vitest';
import { describeShortfalls, sequenceShortfalls } from '#domain/sequences';

const reading = (lastValue: string | null, columnMax: string | null, increment = '1') => ({
  sequence: 'public.orders_id_seq',
  table: 'public.orders',
  column: 'id',
  lastValue,
  increment,
  columnMax,
});

describe('sequenceShortfalls', () => {
  it.each([
    ['ahead of the column', reading('100', '100'), 0],
    ['behind the column', reading('99', '100'), 1],
    ['never called, column has rows', reading(null, '5'), 1],
    ['never called, empty table', reading(null, null), 0],
    ['empty table, called', reading('7', null), 0],
    ['descending sequence (not judged)', reading('-5', '100', '-1'), 0],
    ['beyond 2^53 (bigint exact)', reading('9007199254740993', '9007199254740994'), 1],
    ['beyond 2^53, ahead', reading('9007199254740994', '9007199254740994'), 0],
  ] as const)('%s', (_name, r, n) => {
    expect(sequenceShortfalls([r])).toHaveLength(n);
  });

  it('names the sequence, the column, the next value and the fix', () => {
    expect(describeShortfalls(sequenceShortfalls([reading('1', '1000')]))).toEqual([
      "sequence public.orders_id_seq is behind public.orders.id: next value 2 ≤ max 1000; the next INSERT using it fails with a duplicate key. Fix on the new primary: SELECT setval('public.orders_id_seq', (SELECT max(id) FROM public.orders))",
    ]);
  });
});
