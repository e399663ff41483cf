/** MeasureRollbackWindow: a refused fail-back reopens the window until old blue's retain-until, never longer. */
import { describe, expect, it } from 'vitest';
import { makeMeasureRollbackWindowHandler } from '../../../functions/measure-rollback-window.ts';

const at = (iso: string) => makeMeasureRollbackWindowHandler({ clock: () => new Date(iso) });

describe('MeasureRollbackWindow', () => {
  it('gives the seconds left until retainUntil', async () => {
    const out = await at('2026-11-30T10:00:00Z')({ retainUntil: '2026-11-30T12:30:00Z' }, {} as never);
    expect(out).toEqual({ detail: 'nothing was changed', windowSeconds: 9000 });
  });

  it('gives 1 s (the least a Task timeout may be) once retainUntil has passed', async () => {
    const out = await at('2026-11-30T13:00:00Z')({ retainUntil: '2026-11-30T12:30:00Z' }, {} as never);
    expect(out.windowSeconds).toBe(1);
  });

  it('refuses an input without a timestamp, naming the field', async () => {
    await expect(at('2026-11-30T10:00:00Z')({ retainUntil: 'soon' }, {} as never)).rejects.toThrow(
      /retainUntil/,
    );
  });
});
