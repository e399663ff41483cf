/**
 * A scripted blue and green for ValidateData in the path tests: one table public.orders (key id) cut
 * into three ranges. `drift` makes green's middle range differ: for `transientRounds` digest rounds
 * (an in-flight write that reaches green later), or for good (`persistent`).
 */
import type { ValidationGateway, ValidationSession } from '#aws/validation-gateway';
import type { KeyRange, RangeDigest } from '#domain/validation/index';

export interface ValidationScript {
  drift?: 'persistent' | { transientRounds: number };
}

export const makeFakeValidation = (script: ValidationScript = {}, log: string[] = []) => {
  let greenMiddleReads = 0;
  const digest = (side: 'blue' | 'green', range: KeyRange): RangeDigest => {
    const middle = range.from?.[0] === '1001';
    let drifted = false;
    if (side === 'green' && middle && script.drift) {
      greenMiddleReads += 1;
      drifted = script.drift === 'persistent' || greenMiddleReads <= script.drift.transientRounds;
    }
    const rows = range.countsOnly || (range.from === null && range.to === null) ? 3000 : 1000;
    return {
      rows,
      checksum: range.countsOnly ? null : drifted ? '999' : '12345',
      bytes: range.countsOnly ? 0 : 64_000,
    };
  };
  const session = (side: 'blue' | 'green'): ValidationSession => ({
    tables: async () => [
      {
        name: 'public.orders',
        schema: 'public',
        table: 'orders',
        key: ['id'],
        keySql: ['t."id"'],
        bytes: 200_000,
      },
    ],
    boundaries: async () => [['1001'], ['2001']],
    digest: async (range) => {
      log.push(`${side}:${range.table}:${range.from?.[0] ?? '-'}`);
      return digest(side, range);
    },
    lastKey: async () => ['2999'],
    close: async () => undefined,
  });
  const gateway: ValidationGateway = {
    open: async () => ({ blue: session('blue'), green: session('green') }),
  };
  return gateway;
};
