/**
 * What the fail-back scenario measured, for the judge and the report: the link's click, the writes
 * acknowledged on each side of each move, and both stalls (the longest gap between acknowledged writes
 * around the switchover and around the fail-back).
 */
import type { RunObserver } from './observer.ts';
import { longestAckGap, type WriteLoad } from './write-load.ts';

export interface FailBackFacts {
  /** What opening the "Fail back" link answered (null: never clicked), and why it failed. */
  clicked: { status: number; title: string } | null;
  clickError: string | null;
  /** Acknowledged writes after the switch and before the fail-back blocked writes (on the new primary). */
  writesOnNewPrimary: number;
  /** Acknowledged writes after the fail-back's verification began (on old blue under the production name). */
  writesAfterFailBack: number;
  switchStallMs: number | null;
  failBackStallMs: number | null;
  /** The fail-back's window: BlockWritesOnNewPrimary entered → VerifyAfterFailBack entered (ISO). */
  failBackWindow: { start: string; end: string } | null;
  /** The instance the new primary was renamed to (`<name>-failedN`) and its status, if one is listed. */
  failedAside: { id: string; status: string } | null;
}

const countBetween = (times: number[], from: number, to: number): number =>
  times.filter((t) => t > from && t <= to).length;

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
