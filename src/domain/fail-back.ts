/**
 * The fail-back decisions, pure (issue #15): which instances may be renamed (proven, never inferred),
 * the next free `-failedN` name, how far the renames got, whether the reverse stream caught up in
 * time, and which of old blue's sequences must move forward. No SDK, no clock: `now` is passed in.
 */
import type { InstanceView } from './deletion.ts';
import { TAGS } from './names.ts';
import type { SequenceReading } from './sequences.ts';

/** RDS DB instance identifiers: 1–63 characters (RDS user guide, naming constraints). */
export const MAX_INSTANCE_ID_LENGTH = 63;

/**
 * The name the failed new primary is kept under: `<production>-failed<N>`, N the smallest number no
 * instance uses yet (an earlier fail-back's instance keeps its name). Throws when the name would be
 * longer than RDS allows, naming the limit.
 */
export const nextFailedName = (sourceId: string, existingIds: string[]): string => {
  const taken = new Set(existingIds.map((id) => id.toLowerCase()));
  let n = 1;
  while (taken.has(`${sourceId}-failed${n}`.toLowerCase())) n++;
  const name = `${sourceId}-failed${n}`;
  if (name.length > MAX_INSTANCE_ID_LENGTH)
    throw new Error(
      `${name} is ${name.length} characters; RDS instance identifiers have at most ${MAX_INSTANCE_ID_LENGTH}, so the new primary cannot be renamed aside`,
    );
  return name;
};

/** What the run proved at the switch: the production name, green's and old blue's resource ids. */
export interface FailBackClaim {
  /** the production name (the source's identifier) */
  sourceId: string;
  executionId: string;
  /** green's DbiResourceId, recorded when green became ready: the new primary */
  newPrimaryResourceId: string;
  /** old blue's name and DbiResourceId, recorded at the switch and tagged by Retain */
  oldBlueId: string;
  oldBlueResourceId: string;
}

/** Both instances found by resource id (ids survive renames) just before a rename. */
export interface FailBackEvidence {
  newPrimary?: InstanceView | undefined;
  oldBlue?: InstanceView | undefined;
  /** whoever owns the production name now */
  production?: InstanceView | undefined;
}

export type PairVerdict = { verdict: 'proven' } | { verdict: 'refuse'; reasons: string[] };

/**
 * The instances a fail-back renames must be this execution's proven pair: the new primary serves the
 * production name under green's resource id; old blue still has the resource id, name and tags the
 * switch and Retain recorded; nobody put a hold on either. Every failed check is listed.
 */
export const proveFailBackPair = (claim: FailBackClaim, evidence: FailBackEvidence): PairVerdict => {
  const reasons: string[] = [];
  const { newPrimary, oldBlue, production } = evidence;
  if (!newPrimary)
    reasons.push(`no instance has the new primary's resource id ${claim.newPrimaryResourceId}`);
  else if (newPrimary.id !== claim.sourceId)
    reasons.push(
      `the new primary (${claim.newPrimaryResourceId}) is named ${newPrimary.id}, not the production name ${claim.sourceId}`,
    );
  if (production && production.resourceId !== claim.newPrimaryResourceId)
    reasons.push(
      `${claim.sourceId} is resource ${production.resourceId}, not the new primary ${claim.newPrimaryResourceId}`,
    );
  if (!oldBlue) reasons.push(`no instance has old blue's resource id ${claim.oldBlueResourceId}`);
  else {
    if (oldBlue.id !== claim.oldBlueId)
      reasons.push(`old blue (${claim.oldBlueResourceId}) is named ${oldBlue.id}, not ${claim.oldBlueId}`);
    if (oldBlue.tags[TAGS.role] !== 'old-blue')
      reasons.push(
        `${oldBlue.id}: tag ${TAGS.role} is ${oldBlue.tags[TAGS.role] ?? 'missing'}, not old-blue`,
      );
    if (oldBlue.tags[TAGS.execution] !== claim.executionId)
      reasons.push(
        `${oldBlue.id}: tag ${TAGS.execution} is ${oldBlue.tags[TAGS.execution] ?? 'missing'}, not this execution`,
      );
  }
  for (const inst of [newPrimary, oldBlue]) {
    if (!inst) continue;
    if (inst.tags[TAGS.hold] !== undefined)
      reasons.push(`${inst.id} carries ${TAGS.hold}=${inst.tags[TAGS.hold] || '(empty)'}`);
    if (inst.status !== 'available') reasons.push(`${inst.id} is ${inst.status}, not available`);
  }
  return reasons.length === 0 ? { verdict: 'proven' } : { verdict: 'refuse', reasons };
};

/**
 * How far the two renames got, read from where each resource id is now:
 * - `not-started`: new primary under the production name, old blue under its -old name;
 * - `aside`: the new primary is under `failedName`, nobody under the production name;
 * - `done`: the new primary under `failedName`, old blue under the production name;
 * - `unknown`: anything else (a person renamed something, or an instance is gone): hold, never guess.
 */
export type RenameProgress = 'not-started' | 'aside' | 'done' | 'unknown';

export const renameProgress = (
  claim: FailBackClaim,
  failedName: string,
  evidence: FailBackEvidence,
): RenameProgress => {
  const np = evidence.newPrimary?.id;
  const ob = evidence.oldBlue?.id;
  const prodOwner = evidence.production?.resourceId;
  if (np === claim.sourceId && ob === claim.oldBlueId) return 'not-started';
  if (np === failedName && ob === claim.oldBlueId && prodOwner === undefined) return 'aside';
  if (np === failedName && ob === claim.sourceId) return 'done';
  return 'unknown';
};

/** The one rename a step makes next, or none (already made: a retry is idempotent). */
export type RenameStep = 'new-primary-aside' | 'old-blue-to-production' | 'undo-new-primary-aside';

export type RenameAction =
  | { action: 'rename'; from: string; to: string; resourceId: string }
  | { action: 'none'; reason: string }
  | { action: 'refuse'; reason: string };

export const renameAction = (
  step: RenameStep,
  claim: FailBackClaim,
  failedName: string,
  progress: RenameProgress,
): RenameAction => {
  switch (step) {
    case 'new-primary-aside':
      if (progress === 'not-started')
        return {
          action: 'rename',
          from: claim.sourceId,
          to: failedName,
          resourceId: claim.newPrimaryResourceId,
        };
      if (progress === 'aside') return { action: 'none', reason: `already renamed to ${failedName}` };
      break;
    case 'old-blue-to-production':
      if (progress === 'aside')
        return {
          action: 'rename',
          from: claim.oldBlueId,
          to: claim.sourceId,
          resourceId: claim.oldBlueResourceId,
        };
      if (progress === 'done') return { action: 'none', reason: `${claim.sourceId} is old blue already` };
      break;
    case 'undo-new-primary-aside':
      if (progress === 'aside')
        return {
          action: 'rename',
          from: failedName,
          to: claim.sourceId,
          resourceId: claim.newPrimaryResourceId,
        };
      if (progress === 'not-started')
        return { action: 'none', reason: `${claim.sourceId} is the new primary again` };
      break;
  }
  return {
    action: 'refuse',
    reason: `cannot ${step.replace(/-/g, ' ')}: the instances are not where the fail-back left them (progress ${progress})`,
  };
};

/** Whether the instance with `resourceId` answers under `name` and is available: a rename is done. */
export const renameDone = (instance: InstanceView | undefined, name: string): boolean =>
  instance?.id === name && instance.status === 'available';

// ---- reverse catch-up -------------------------------------------------------------------------------

export interface ReverseReading {
  state: 'absent' | 'prepared' | 'replicating' | 'broken';
  lag: number | null;
  detail: string;
}

export type CatchUpVerdict =
  | { verdict: 'converged' }
  | { verdict: 'wait' }
  | { verdict: 'refuse'; reason: string };

/**
 * Writes are blocked on the new primary; old blue has everything when the stream replicates and its
 * lag reads 0. A broken or absent stream never converges: refuse at once. Past the deadline: refuse.
 */
export const catchUpVerdict = (reading: ReverseReading, deadline: string, now: Date): CatchUpVerdict => {
  if (reading.state === 'replicating' && reading.lag === 0) return { verdict: 'converged' };
  if (reading.state === 'broken' || reading.state === 'absent')
    return {
      verdict: 'refuse',
      reason: `the reverse stream is ${reading.state}: ${reading.detail}; old blue cannot catch up, so failing back would lose writes`,
    };
  if (now.getTime() > Date.parse(deadline))
    return {
      verdict: 'refuse',
      reason: `old blue had not caught up by ${deadline} (lag ${reading.lag ?? 'unknown'}; ${reading.detail})`,
    };
  return { verdict: 'wait' };
};

/**
 * CheckReverseCatchUp re-reads the stream inside one invocation, every 25 ms for at most 3 s (well under
 * its 60 s TimeoutSeconds), before handing the slow case to the WaitForReverseCatchUp loop. Why: writes
 * are blocked on the new primary the whole time, old blue usually confirms the last change within a few
 * hundred ms, and a Wait state counts in whole seconds (failBack.pollSeconds ≥ 1), which made a 1 s
 * poll most of the fail-back's write stall (BENCHMARKS.md "Fail-back"). The reads go over sessions
 * opened once, so 3 s of polling costs a handful of connections, not one per read. Between reads the
 * check may nudge the stream (catchUpNudgeDue); right after a nudge it reads again sooner (afterNudgeMs):
 * old blue's confirmation then takes a replication round trip on the same host or VPC, not a timer.
 */
export const CATCH_UP_POLL = { everyMs: 25, afterNudgeMs: 5, withinMs: 3000, nudgeEveryMs: 25 } as const;

/**
 * Whether to nudge the stream before the next read (ReverseStatusReader.nudge): only while it replicates
 * with lag left (writes are blocked, so what is left is old blue confirming what it applied), and at
 * most every CATCH_UP_POLL.nudgeEveryMs (each nudge is a flushed WAL record of ~100 bytes per side, so
 * at most 120 of them in one check). One usually suffices: in two instrumented rehearsals the check
 * converged at its second read, where without nudges it took 3–12 reads (100–360 ms) of old blue's own
 * WAL writer and apply-worker timers (BENCHMARKS.md "Fail-back").
 */
export const catchUpNudgeDue = (reading: ReverseReading, lastNudgeAt: Date | null, now: Date): boolean =>
  reading.state === 'replicating' &&
  (reading.lag ?? 0) > 0 &&
  (lastNudgeAt === null || now.getTime() - lastNudgeAt.getTime() >= CATCH_UP_POLL.nudgeEveryMs);

/**
 * How long to pause before reading again (shorter right after a nudge), or null to return this verdict
 * to the state machine.
 */
export const nextCatchUpRead = (
  verdict: CatchUpVerdict,
  startedAt: Date,
  now: Date,
  justNudged = false,
): number | null => {
  const pause = justNudged ? CATCH_UP_POLL.afterNudgeMs : CATCH_UP_POLL.everyMs;
  return verdict.verdict === 'wait' && now.getTime() - startedAt.getTime() + pause <= CATCH_UP_POLL.withinMs
    ? pause
    : null;
};

// ---- sequences -------------------------------------------------------------------------------------

export interface SequenceMove {
  sequence: string;
  /** the value old blue's sequence is set to (setval … is_called true): the new primary's position */
  to: string;
}

const position = (r: SequenceReading): bigint | null => {
  const values = [r.lastValue, r.columnMax].filter((v): v is string => v !== null).map((v) => BigInt(v));
  // biome-ignore lint/complexity/useMathMinMax: Math.max takes no bigint
  return values.length === 0 ? null : values.reduce((a, b) => (a > b ? a : b));
};

/**
 * Sequences are not replicated logically: every sequence the new primary advanced since the switch
 * must be at least as far on old blue before it takes writes, or its next INSERT collides. The target
 * is the largest of the new primary's last value, its column's maximum and old blue's column maximum
 * (the replicated rows); a sequence old blue lacks is reported, not created.
 */
export const sequencesToAdvance = (
  newPrimary: SequenceReading[],
  oldBlue: SequenceReading[],
): { moves: SequenceMove[]; missing: string[] } => {
  const onOldBlue = new Map(oldBlue.map((r) => [r.sequence, r]));
  const moves: SequenceMove[] = [];
  const missing: string[] = [];
  for (const r of newPrimary) {
    const target = position(r);
    const there = onOldBlue.get(r.sequence);
    if (!there) {
      missing.push(r.sequence);
      continue;
    }
    // Old blue's own rows (replicated ones included) count too; its sequence position is last_value alone.
    const oldMax = there.columnMax === null ? null : BigInt(there.columnMax);
    const wanted = target === null ? oldMax : oldMax === null || target > oldMax ? target : oldMax;
    if (wanted === null) continue;
    const current = there.lastValue === null ? null : BigInt(there.lastValue);
    if (current === null || current < wanted) moves.push({ sequence: r.sequence, to: wanted.toString() });
  }
  return { moves, missing };
};

/** Seconds left of the rollback window (at least 1: a Task timeout must be a positive integer). */
export const windowSecondsLeft = (retainUntil: string, now: Date): number =>
  Math.max(1, Math.ceil((Date.parse(retainUntil) - now.getTime()) / 1000));

// ---- verification after the fail-back ------------------------------------------------------------------

export interface FailBackVerificationFacts {
  claim: FailBackClaim;
  failedName: string;
  /** old blue's engine version (blue's, read at Preflight) */
  engineVersion: string;
  production?: (InstanceView & { engineVersion: string }) | undefined;
  failed?: InstanceView | undefined;
  /** a fresh session on the production name can write; null when it could not be checked */
  writable: boolean | null;
  writableError?: string | undefined;
  smoke: Array<{ sql: string; ok: boolean; error?: string | undefined }>;
  alarms: Array<{ name: string; state: string }>;
  missingAlarms: string[];
}

/** Every problem after the renames: the production name must be old blue, writable, on its version, healthy. */
export const judgeFailBack = (f: FailBackVerificationFacts): { ok: boolean; problems: string[] } => {
  const problems: string[] = [];
  const p = f.production;
  if (!p) problems.push(`nothing answers under the production name ${f.claim.sourceId}`);
  else {
    if (p.resourceId !== f.claim.oldBlueResourceId)
      problems.push(
        `${f.claim.sourceId} is resource ${p.resourceId}, not old blue ${f.claim.oldBlueResourceId}`,
      );
    if (p.status !== 'available') problems.push(`${f.claim.sourceId} is ${p.status}, not available`);
    if (p.engineVersion !== f.engineVersion)
      problems.push(`${f.claim.sourceId} runs ${p.engineVersion}, not old blue's ${f.engineVersion}`);
  }
  if (f.failed?.resourceId !== f.claim.newPrimaryResourceId)
    problems.push(`the failed new primary is not under ${f.failedName}`);
  if (f.writable === false) problems.push(`${f.claim.sourceId} still refuses writes (read-only)`);
  if (f.writable === null)
    problems.push(
      `cannot check that ${f.claim.sourceId} takes writes: ${f.writableError ?? 'no database credentials'}`,
    );
  for (const s of f.smoke) if (!s.ok) problems.push(`smoke query failed: ${s.sql}: ${s.error ?? 'error'}`);
  for (const a of f.alarms) if (a.state === 'ALARM') problems.push(`alarm ${a.name} is in ALARM`);
  for (const name of f.missingAlarms) problems.push(`alarm ${name} does not exist`);
  return { ok: problems.length === 0, problems };
};

/**
 * Why a fail-back cannot run on this engine, or null. MySQL: reverse replication runs on MariaDB and
 * PostgreSQL only (docs/reverse-replication.md), so old blue has no stream to catch up with and blocking
 * writes would only cost an outage. Refused before anything changes; old blue stays kept for the retention.
 * MariaDB blocks writes through DB parameter groups (src/domain/fail-back-read-only.ts).
 */
export const failBackEngineRefusal = (engine: 'postgres' | 'mysql' | 'mariadb' | undefined): string | null =>
  engine === 'mysql'
    ? 'fail-back is not available on MySQL: reverse replication runs on MariaDB and PostgreSQL only, so old blue has not followed the new primary; nothing was changed, old blue is kept until the rollback window ends (docs/fail-back.md)'
    : null;
