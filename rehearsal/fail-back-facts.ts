/**
 * What the fail-back scenario measured, for the judge and the report: the link's click, the writes
 * acknowledged on each side of each move, and both stalls (the longest gap between acknowledged writes
 * around the switchover and around the fail-back).
 */
import type { RunObserver } from './observer.ts';
import type { FailBackFacts } from './report.ts';
import { longestAckGap, type WriteLoad } from './write-load.ts';

const countBetween = (times: number[], from: number, to: number): number =>
  times.filter((t) => t > from && t <= to).length;

export type { FailBackFacts };

export const failBackFacts = (
  observer: RunObserver,
  writes: WriteLoad,
  instances: Array<{ id: string; status: string }>,
): FailBackFacts => {
  const sw = observer.switchWindow();
  const fb = observer.failBackWindow();
  const acks = writes.ackTimes;
  const aside = instances.find((i) => /-failed\d+$/.test(i.id));
  return {
    clicked: observer.failBack?.clicked
      ? { status: observer.failBack.clicked.status, title: observer.failBack.clicked.title }
      : null,
    clickError: observer.failBack?.error ?? null,
    writesOnNewPrimary: sw && fb ? countBetween(acks, sw.end, fb.start) : 0,
    writesAfterFailBack: fb ? countBetween(acks, fb.end, Number.POSITIVE_INFINITY) : 0,
    switchStallMs: sw ? longestAckGap(acks, sw.start, sw.end).ms : null,
    failBackStallMs: fb ? longestAckGap(acks, fb.start, fb.end).ms : null,
    failBackWindow: fb
      ? { start: new Date(fb.start).toISOString(), end: new Date(fb.end).toISOString() }
      : null,
    failedAside: aside ? { id: aside.id, status: aside.status } : null,
  };
};
