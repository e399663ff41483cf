/**
 * What the rehearsal saw of its run while it happened: the states entered and when, what each Task
 * returned that the report and the judge need (lag samples, migrations, DDL guard, validation rounds,
 * Verify's problems, the replication window), the approval asked, and what the fault hooks did. Only
 * bookkeeping: no server is touched here.
 */

import type { RunEvent } from '../local/run-state-machine.ts';
import type { GreenMaintenanceResult } from '../src/domain/green-maintenance.ts';
import type { MigrationsResult } from '../src/lib/apply-migrations.ts';
import type { ApprovalLinks } from './approval-driver.ts';
import type { DriftedRow } from './data-drift.ts';
import type { LagSample, RehearsalReport } from './report.ts';
import type { ScenarioName } from './scenarios.ts';
import type { WriteCounts, WriteLoad } from './write-load.ts';

/** States of the Verify loop: the write load runs until the run leaves it. */
const VERIFY_LOOP = new Set(['Verify', 'IsVerified', 'WaitDuringBake']);
/**
 * States of the switchover wait; the stall window ends when the run leaves them. AwaitSwitchoverEvent
 * (the event wait between checks) belongs here: without it the window closed ~50 ms after Switchover
 * was entered, and a stall that began later was not counted (test/unit/rehearsal-observer.test.ts).
 */
export const SWITCH_LOOP = new Set([
  'Switchover',
  'AwaitSwitchoverEvent',
  'WaitForSwitchover',
  'CheckSwitchover',
  'IsSwitchoverDone',
]);

export interface LiveStatus {
  scenario: ScenarioName;
  startedAt: number;
  state: string | null;
  stateSince: number;
  lag: LagSample | null;
  writes: WriteCounts;
  writeRate: number;
  writing: boolean;
  lastError: string | null;
}

export type ProductionEstimate = RehearsalReport['switchover']['productionEstimate'];

export class RunObserver {
  /** ms from `t0` when each phase began (the report's timings.marks). */
  readonly marks: Record<string, number> = {};
  readonly stateTimes: Array<{ state: string; at: number }> = [];
  current: string | null = null;
  stateSince = Date.now();
  /** True once the run has entered Verify and then left the Verify loop (the write load may stop). */
  pastVerifyLoop = false;
  private seenVerify = false;

  readonly lag: LagSample[] = [];
  /** CheckLag answers so far (the ddl hook counts the ones after its DDL). */
  lagChecks = 0;
  /** The first reason a lag check judged the replication window broken. */
  windowBroken: string | null = null;
  readonly migrationRuns: Array<{ at: number; result: MigrationsResult }> = [];
  readonly guardEvents: Array<{ state: string; result: Record<string, unknown> }> = [];
  readonly validations: NonNullable<RehearsalReport['validation']> = [];
  greenMaintenance: NonNullable<RehearsalReport['greenMaintenance']> | null = null;
  productionEstimate: ProductionEstimate = null;
  /** Verify's last list of problems. */
  verifyProblems: string[] = [];
  /** The reverse stream (docs/reverse-replication.md): each StartReverseReplication answer, and EndReverseReplication's. */
  readonly reverseStatuses: Array<{ enabled: boolean; state: string; lag: number | null; detail: string }> =
    [];
  reverseEnded: boolean | null = null;

  approval: { id: string; links: ApprovalLinks; requestedAt: number } | undefined;
  /** fail-back: the rollback window's link and what clicking it answered (set by its fault hook). */
  failBack:
    | {
        windowId: string;
        link: string | null;
        clicked: { status: number; title: string; at: number } | null;
        error: string | null;
      }
    | undefined;
  /** Why opening an approval link failed (null when it did not). */
  clickError: string | null = null;

  /** Set by fault hooks: the row changed on green (data-drift), the lag check count when DDL ran on blue. */
  drifted: DriftedRow | undefined;
  lagChecksAtDdl: number | undefined;
  /** The lag check count when a check first judged the replication window broken. */
  lagChecksAtBreak: number | undefined;

  constructor(readonly t0: number) {}

  mark(name: string): void {
    this.marks[name] = Date.now() - this.t0;
  }

  /** The run's history events as they happen. */
  onRunEvent(e: RunEvent): void {
    if (e.type !== 'StateEntered' || !e.state) return;
    this.current = e.state;
    this.stateSince = e.at;
    this.stateTimes.push({ state: e.state, at: e.at });
    if (e.state === 'Verify') this.seenVerify = true;
    else if (this.seenVerify && !VERIFY_LOOP.has(e.state)) this.pastVerifyLoop = true;
  }

  /** What a Task returned (JSON, as Lambda returns it); returns the lag sample when it was CheckLag. */
  onTaskResult(functionKey: string, state: string, result: unknown): LagSample | undefined {
    switch (functionKey) {
      case 'applyMigrations':
        this.migrationRuns.push({ at: Date.now(), result: result as MigrationsResult });
        return;
      case 'validateData': {
        const v = result as { status: string; summary: string; durationMs: number };
        this.validations.push({ state, status: v.status, summary: v.summary, durationMs: v.durationMs });
        return;
      }
      case 'maintainGreen': {
        const g = result as GreenMaintenanceResult;
        this.greenMaintenance = {
          status: g.status,
          summary: g.summary,
          rounds: g.round,
          durationMs: g.durationMs,
          analyzed: g.analyze.run,
          tables: g.analyze.tables,
          analyzeMs: g.analyze.durationMs,
          viewsRefreshed: g.views.refreshed,
          analyzeWhy: g.analyze.why,
          viewsWhy: g.views.why,
          viewsRun: g.views.run,
          viewsConcurrently: g.views.concurrently,
          viewsMs: g.views.durationMs,
          views: g.views.list,
          missingViews: g.views.missing,
          skipped: g.analyze.skipped,
          skippedCount: g.analyze.skippedCount,
          slowest: g.analyze.slowest,
        };
        return;
      }
      case 'installDdlGuard':
      case 'releaseDdlGuard':
        this.guardEvents.push({ state, result: result as Record<string, unknown> });
        return;
      case 'prepareApproval':
        this.productionEstimate =
          (result as { request?: { switchoverEstimate?: ProductionEstimate } }).request?.switchoverEstimate ??
          null;
        return;
      case 'verify':
        this.verifyProblems = (result as { problems?: string[] }).problems ?? [];
        return;
      case 'startReverseReplication':
        this.reverseStatuses.push(
          result as { enabled: boolean; state: string; lag: number | null; detail: string },
        );
        return;
      case 'endReverseReplication':
        this.reverseEnded = (result as { ended: boolean }).ended;
        return;
      case 'checkLag': {
        const r = result as {
          value: number | null;
          unit: string;
          metric: string;
          withinThreshold: boolean;
          checkedAt: string;
          window?: { healthy: boolean; reason: string | null };
        };
        this.lagChecks++;
        if (r.window && !r.window.healthy && this.windowBroken === null) {
          this.windowBroken = r.window.reason;
          // Counted when the window broke: a rebuilt green's lag checks come after (ddl-during-replication-recreate).
          this.lagChecksAtBreak = this.lagChecks;
        }
        const sample: LagSample = {
          state,
          at: r.checkedAt,
          value: r.value,
          unit: r.unit,
          metric: r.metric,
          withinThreshold: r.withinThreshold,
        };
        this.lag.push(sample);
        return sample;
      }
      default:
        return;
    }
  }

  live(scenario: ScenarioName, writes: WriteLoad): LiveStatus {
    return {
      scenario,
      startedAt: this.t0,
      state: this.current,
      stateSince: this.stateSince,
      lag: this.lag.at(-1) ?? null,
      writes: { ...writes.counts },
      writeRate: writes.rate(),
      writing: writes.running,
      lastError: writes.errors.at(-1)?.message ?? null,
    };
  }

  /** The switch: from Switchover entered until the run left the switchover loop (now, if it never did). */
  switchWindow(): { start: number; end: number } | undefined {
    const i = this.stateTimes.findIndex((s) => s.state === 'Switchover');
    const start = this.stateTimes[i]?.at;
    if (i < 0 || start === undefined) return undefined;
    const end = this.stateTimes.slice(i).find((s) => !SWITCH_LOOP.has(s.state))?.at ?? Date.now();
    return { start, end };
  }

  /**
   * The fail-back's outage: from BlockWritesOnNewPrimary entered until VerifyAfterFailBack entered (the
   * production name answers on old blue by then), or now if it never got there.
   */
  failBackWindow(): { start: number; end: number } | undefined {
    const i = this.stateTimes.findIndex((s) => s.state === 'BlockWritesOnNewPrimary');
    const start = this.stateTimes[i]?.at;
    if (i < 0 || start === undefined) return undefined;
    const end = this.stateTimes.slice(i).find((s) => s.state === 'VerifyAfterFailBack')?.at ?? Date.now();
    return { start, end };
  }

  /** ms from the approval request until the run left RequestApproval (null when it was not asked or never left). */
  approvalWaitedMs(): number | null {
    if (!this.approval) return null;
    const asked = this.stateTimes.findIndex((s) => s.state === 'RequestApproval');
    const left = asked >= 0 ? this.stateTimes[asked + 1] : undefined;
    return left ? Math.max(0, left.at - this.approval.requestedAt) : null;
  }

  /** ApplyMigrations' last answer, and whether it finished before CreateGreen was entered. */
  migrationsReport(): RehearsalReport['migrations'] {
    const last = this.migrationRuns.at(-1);
    if (!last) return null;
    const greenCreatedAt = this.stateTimes.find((s) => s.state === 'CreateGreen')?.at;
    return {
      verdict: last.result.verdict,
      applied: last.result.applied,
      total: last.result.total,
      units: last.result.units,
      finishedBeforeGreen: greenCreatedAt === undefined || last.at <= greenCreatedAt,
      lockAttempts: last.result.lockAttempts,
    };
  }
}
