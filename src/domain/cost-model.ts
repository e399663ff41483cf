/**
 * Cost and throttling model of Blue/Green runs, one database or a fleet in waves. Pure arithmetic over
 * a few constants; where a constant is measured (bench/transitions.ts runs the real ASL with the real
 * handlers) or documented (AWS pages), it says so. `npm run bench -- --only transitions` checks the
 * single-run figures against the real state machine, and BENCHMARKS.md shows the fleet tables.
 */
import { fallbackSeconds } from './rds-events.ts';

/** How the green and switchover waits are done. */
export type WaitMode = 'events' | 'polling';

export interface RunProfile {
  greenBuildMinutes: number;
  /** a callback wait: one transition however long (kept to show it costs nothing) */
  approvalHours: number;
  /** how long RDS takes to switch (the docs' production example: ~11 s; allow a minute) */
  switchoverSeconds: number;
  greenPollSeconds: number;
  switchoverPollSeconds: number;
  mode: WaitMode;
  /** false for a fleet's child when the fleet approves per wave */
  ownApproval?: boolean;
}

export const PRODUCTION_PROFILE: RunProfile = {
  greenBuildMinutes: 240,
  approvalHours: 24,
  switchoverSeconds: 60,
  greenPollSeconds: 60,
  switchoverPollSeconds: 5,
  mode: 'events',
};

/**
 * Measured on the real ASL (bench/transitions.ts, production defaults: 3 lag samples, a 15-minute bake
 * polled every 60 s, 72 h retention, a final snapshot ready at its second check): a run whose green and
 * switch each end at their first wait. Events: 103 transitions, 44 Lambda invocations. Polling (the ASL
 * before event waits): 94 transitions measured (committed BENCHMARKS 2026-11-29) plus the 3 states of
 * MaintainGreen added since (StartGreenMaintenance, MaintainGreen, IsGreenMaintained), derived, not measured.
 */
export const ONE_PASS = {
  events: { transitions: 103, invocations: 44 },
  polling: { transitions: 97, invocations: 42 },
} as const;
/** A run without its own approval (a fleet approves per wave): PrepareApproval and RequestApproval skipped. */
export const APPROVAL_STATES = { transitions: 2, invocations: 2 } as const;

/** Each extra wait: AwaitXEvent (or Wait) → CheckX → IsX: 3 transitions; 2 Lambdas (1 when polling). */
export const PER_WAIT = { transitions: 3, invocations: { events: 2, polling: 1 } } as const;

/** RDS calls per check: DescribeBlueGreenDeployments + DescribeDBInstances of green (CheckGreen). */
export const RDS_CALLS_PER_CHECK = 2;

/**
 * RDS calls of a run outside the event waits: Preflight's reads, CreateGreen, the lag watch's green
 * lookups, Verify's 16 bake rounds, the switchover, retention, cleanup, the snapshot and the deletes.
 * Measured: 108 RDS calls per child in the 200-database fleet simulation (bench/fleet-sim.ts, the fake
 * world's gateway calls) less the 34 of its waits.
 */
export const RDS_CALLS_OUTSIDE_WAITS = 74;
/** RDS calls at a run's start (Preflight + CreateGreen + the first CheckGreen), within seconds. */
export const RDS_CALLS_AT_START = 8;

/** RDS Blue/Green events relayed per run: 0244, 0248 and 0246 (Cleanup deletes the deployment). */
export const EVENTS_PER_RUN = 3;

/** Step Functions Standard: $0.025 per 1,000 transitions (us-east-1, AWS Step Functions pricing page). */
export const PRICE_PER_TRANSITION = 0.025 / 1000;
/** Lambda: $0.20 per 1M requests (AWS Lambda pricing page; duration not modelled: ~100 ms each). */
export const PRICE_PER_INVOCATION = 0.2 / 1_000_000;

/**
 * RDS API throttling, per account and Region (RDS User Guide, "Request throttling for the Amazon RDS API"):
 * "up to 300 requests in a burst and a sustained 12 requests per second" by default, raisable on
 * request. Documented. Whether the bucket is per operation or shared by all is not said; the model
 * assumes one shared bucket (the conservative reading), which every other RDS client of the account
 * also drains.
 */
export const RDS_THROTTLE = { burst: 300, sustainedPerSecond: 12 } as const;

export interface RunCost {
  greenWaits: number;
  switchoverWaits: number;
  transitions: number;
  invocations: number;
  /** RDS API calls while green builds, per second per database (its steady-state load) */
  rdsCallsPerSecondWhileBuilding: number;
  rdsCalls: number;
  usd: number;
}

const waitsFor = (seconds: number, every: number): number => Math.max(1, Math.ceil(seconds / every));

/** One database's run. */
export const runCost = (p: RunProfile): RunCost => {
  const greenEvery = p.mode === 'events' ? fallbackSeconds(p.greenPollSeconds) : p.greenPollSeconds;
  // With events the wait ends at the event; when it is lost, at the fallback poll after it: the same count.
  const greenWaits = waitsFor(p.greenBuildMinutes * 60, greenEvery);
  const switchEvery =
    p.mode === 'events' ? fallbackSeconds(p.switchoverPollSeconds, 60) : p.switchoverPollSeconds;
  const switchoverWaits = waitsFor(p.switchoverSeconds, switchEvery);
  const base = ONE_PASS[p.mode];
  const extraWaits = greenWaits - 1 + (switchoverWaits - 1);
  const noApproval = p.ownApproval === false;
  const transitions =
    base.transitions + PER_WAIT.transitions * extraWaits - (noApproval ? APPROVAL_STATES.transitions : 0);
  const relayed = p.mode === 'events' ? EVENTS_PER_RUN : 0;
  const invocations =
    base.invocations +
    PER_WAIT.invocations[p.mode] * extraWaits +
    relayed -
    (noApproval ? APPROVAL_STATES.invocations : 0);
  const rdsCalls = RDS_CALLS_OUTSIDE_WAITS + RDS_CALLS_PER_CHECK * (greenWaits + switchoverWaits);
  return {
    greenWaits,
    switchoverWaits,
    transitions,
    invocations,
    rdsCallsPerSecondWhileBuilding: RDS_CALLS_PER_CHECK / greenEvery,
    rdsCalls,
    usd: transitions * PRICE_PER_TRANSITION + invocations * PRICE_PER_INVOCATION,
  };
};

/** A fleet's waves: a canary, then waves of a share of the rest, each with a concurrency cap. */
export interface WavePlan {
  canary: number;
  /** share of the remaining databases per later wave (0 < x ≤ 1) */
  waveShare: number;
  maxConcurrency: number;
  /** how long a finished wave bakes before the next starts */
  bakeMinutes: number;
}

export const DEFAULT_WAVES: WavePlan = { canary: 1, waveShare: 0.25, maxConcurrency: 50, bakeMinutes: 60 };

/** Wave sizes: the canary, then ceil(share × rest) until none are left. */
export const waveSizes = (databases: number, plan: WavePlan): number[] => {
  if (!Number.isInteger(databases) || databases < 1) throw new Error('databases must be a whole number ≥ 1');
  if (!(plan.waveShare > 0 && plan.waveShare <= 1)) throw new Error('waveShare must be in (0, 1]');
  if (!Number.isInteger(plan.maxConcurrency) || plan.maxConcurrency < 1)
    throw new Error('maxConcurrency must be a whole number ≥ 1');
  const canary = Math.min(Math.max(plan.canary, 0), databases);
  const waves = canary > 0 ? [canary] : [];
  const rest = databases - canary;
  const size = Math.max(1, Math.ceil(rest * plan.waveShare));
  for (let left = rest; left > 0; left -= size) waves.push(Math.min(size, left));
  return waves;
};

export interface FleetCost {
  databases: number;
  waves: number[];
  transitions: number;
  invocations: number;
  usd: number;
  /** RDS calls at a wave's start (every run's Preflight within seconds) against the 300 burst */
  rdsBurstAtWaveStart: number;
  /** steady RDS calls per second while a full batch of greens builds, against 12/s */
  rdsPerSecondWhileBuilding: number;
  throttling: 'none' | 'burst' | 'sustained';
  /** from the first run's start until the last switch is baked (retention and cleanup not included) */
  wallTimeHours: number;
}

/**
 * Minutes one database takes from start to baked switch: build, lag (3 samples at 30 s), approval (the
 * fleet's approval per wave overlaps the build, so 0 here), switch, 15-minute bake.
 */
export const runMinutes = (p: RunProfile): number =>
  p.greenBuildMinutes + 1.5 + p.switchoverSeconds / 60 + 15;

export const fleetCost = (databases: number, plan: WavePlan, p: RunProfile): FleetCost => {
  const waves = waveSizes(databases, plan);
  const one = runCost(p);
  const batchesPerWave = waves.map((w) => Math.ceil(w / plan.maxConcurrency));
  const concurrent = Math.min(plan.maxConcurrency, Math.max(...waves));
  const wallMinutes =
    batchesPerWave.reduce((sum, batches) => sum + batches * runMinutes(p), 0) +
    (waves.length - 1) * plan.bakeMinutes;
  const burst = concurrent * RDS_CALLS_AT_START;
  const perSecond = concurrent * one.rdsCallsPerSecondWhileBuilding;
  return {
    databases,
    waves,
    transitions: databases * one.transitions,
    invocations: databases * one.invocations,
    usd: databases * one.usd,
    rdsBurstAtWaveStart: burst,
    rdsPerSecondWhileBuilding: perSecond,
    throttling:
      perSecond > RDS_THROTTLE.sustainedPerSecond
        ? 'sustained'
        : burst > RDS_THROTTLE.burst
          ? 'burst'
          : 'none',
    wallTimeHours: wallMinutes / 60,
  };
};
