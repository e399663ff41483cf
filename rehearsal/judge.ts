/**
 * The rehearsal's verdict: `checks(scenario, facts)` turns what was measured after a run into the checks
 * its exit code depends on. Pure: the harness measures, this decides (test/unit/rehearsal-judge.test.ts).
 */
import type { HookRecord } from '#domain/hooks';
import type { DriftedRow } from './data-drift.ts';
import type { FailBackFacts } from './fail-back-facts.ts';
import type { Check, EndpointIdentity, RehearsalReport } from './report.ts';
import type { Outcome, Scenario } from './scenarios.ts';
import type { ProductionWrite } from './schema-hazards.ts';

export interface RunFacts {
  outcome: Outcome;
  /** Every state entered, in order. */
  states: string[];
  /** ApplyMigrations' last result (null when it never ran), and how many expand statements the input has. */
  migrations: RehearsalReport['migrations'];
  expandMigrations: number;
  /** The endpoint's name, as the details print it. */
  endpoint: string;
  lostWrites: number;
  acknowledgedWrites: number;
  before: EndpointIdentity | null;
  after: EndpointIdentity | null;
  /** DescribeBlueGreenDeployments and DescribeDBInstances at the end. */
  deployments: Array<{ id: string; status: string }>;
  instances: Array<{ id: string; status: string; readOnly: boolean | null }>;
  /** Why opening the approval link failed (null when it did not). */
  approvalLinkError: string | null;
  /** Preflight's refusal (empty when it did not refuse). */
  preflightRefusal: string;
  /** schema-hazards: what the refusal must name, and each production write tried afterwards. */
  hazardNames: readonly string[];
  productionWrites: ProductionWrite[];
  /** --schema: tables whose row count on the endpoint is off, and the generated totals (null without it). */
  schemaRows: { missing: string[]; rows: number; tables: number } | null;
  /**
   * MySQL family (`--engine mariadb|mysql`): one binary keeps the version string, so the endpoint check
   * compares the server (server_id) and RDS's EngineVersion of the endpoint's instance with the target.
   */
  mysqlFamily?: { targetEngineVersion: string; endpointEngineVersion: string | undefined };
  /** Verify's last list of problems (sequence-behind: must name the sequence and its fix). */
  verifyProblems: string[];
  /**
   * The first reason a lag check judged the replication window broken, and how many lag checks ran
   * after the ddl-during-replication DDL (null when that DDL never ran).
   */
  replicationWindow: { brokenReason: string | null; lagChecksAfterDdl: number | null };
  /** data-drift: the row changed on green and the notification that carried DataDrift (null when no row was changed). */
  drift: { row: DriftedRow; notification: string } | null;
  /** The hooks the run was given, the last record of each that ran (RecordHookAttempt's results), the run's cause. */
  hooks?: { expected: Array<{ point: string; name: string }>; records: HookRecord[]; cause: string };
  /** The reverse stream: every StartReverseReplication answer and whether EndReverseReplication removed it (absent: not observed). */
  reverse?: {
    statuses: Array<{ enabled: boolean; state: string; lag: number | null; detail: string }>;
    ended: boolean | null;
  };
  /** RDS events the local EventBridge bus delivered to RelayRdsEvent, and how many woke a wait */
  eventRelay?: { delivered: number; woke: number };
  /** MaintainGreen's last round (null or absent: it never ran) */
  greenMaintenance?: RehearsalReport['greenMaintenance'];
  /** fail-back: the link's click, the writes on each side, both stalls, the new primary's `-failedN` name */
  failBack?: FailBackFacts;
}

/**
 * The fail-back's promises: the link worked, the production name answers on the original server (17)
 * again, the new primary is kept aside, writes were acknowledged on both sides, and both stalls measured.
 * That no acknowledged write is missing is the common "no lost writes" row.
 */
const failBackChecks = (f: RunFacts, sameServer: boolean): Check[] => {
  const fb = f.failBack;
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '?' : `${v} ms`);
  return [
    {
      name: 'fail-back link clicked',
      ok: !!fb?.clicked && fb.clicked.status === 200 && fb.clickError === null,
      detail: fb?.clickError ?? (fb?.clicked ? `${fb.clicked.status} ${fb.clicked.title}` : 'never clicked'),
    },
    {
      name: 'production name back on the original server',
      // MariaDB's minor upgrade is the emulator's (same binary): the instance's EngineVersion tells them apart.
      ok:
        sameServer &&
        (f.mysqlFamily
          ? f.mysqlFamily.endpointEngineVersion !== f.mysqlFamily.targetEngineVersion
          : (f.after?.serverVersion.startsWith('17') ?? false)),
      detail: f.mysqlFamily
        ? `${f.endpoint} answered by ${f.after?.instanceId ?? '?'} (server_id ${sameServer ? 'unchanged' : 'changed'}, EngineVersion ${f.mysqlFamily.endpointEngineVersion ?? '?'}, the upgrade's ${f.mysqlFamily.targetEngineVersion})`
        : `${f.endpoint} answered by ${f.after?.instanceId ?? '?'} (${f.before?.serverVersion ?? '?'} → ${f.after?.serverVersion ?? '?'}, system id ${sameServer ? 'unchanged' : 'changed'})`,
    },
    {
      name: 'new primary kept aside',
      ok: fb?.failedAside?.status === 'available',
      detail: fb?.failedAside ? `${fb.failedAside.id} ${fb.failedAside.status}` : 'no -failedN instance',
    },
    {
      name: 'writes acknowledged on the new primary and after the fail-back',
      ok: (fb?.writesOnNewPrimary ?? 0) > 0 && (fb?.writesAfterFailBack ?? 0) > 0,
      detail: `${fb?.writesOnNewPrimary ?? 0} between the switch and the fail-back, ${fb?.writesAfterFailBack ?? 0} after`,
    },
    {
      name: 'both stalls measured',
      ok: fb?.switchStallMs != null && fb.failBackStallMs != null,
      detail: `switchover ${ms(fb?.switchStallMs)}, fail-back ${ms(fb?.failBackStallMs)}`,
    },
    {
      name: 'no Blue/Green deployment left',
      ok: f.deployments.length === 0,
      detail: `${f.deployments.length} left`,
    },
  ];
};

/** Hooks the scenario runs: a run that goes on needs every hook passed; one that rolls back names the failing hook. */
const hookChecks = (scenario: Scenario, f: RunFacts): Check[] => {
  const records = f.hooks?.records ?? [];
  const cause = f.hooks?.cause ?? '';
  return (f.hooks?.expected ?? []).map((hook) => {
    const record = records.find((r) => r.point === hook.point && r.name === hook.name);
    if (scenario.expected === 'rolled-back') {
      const named = !!record && record.next === 'abort' && cause.includes(record.label);
      return {
        name: `failing ${hook.point} hook ${hook.name} named, nobody asked to approve`,
        ok: named && !f.states.includes('RequestApproval'),
        detail: record
          ? `${record.outcome} after ${record.attempts} attempt(s); cause: ${cause.slice(0, 300)}`
          : 'the hook never ran',
      };
    }
    return {
      name: `${hook.point} hook ${hook.name} passed`,
      ok: record?.outcome === 'passed',
      detail: record
        ? `${record.outcome} in ${(record.durationMs / 1000).toFixed(1)} s: ${record.summary}`
        : 'the hook never ran',
    };
  });
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

/** The table the ddl-during-replication DDL alters, and the sequence sequence-behind sets back. */
const DDL_TABLE = 'public.orders';
const SEQUENCE = 'public.orders_id_seq';

/** The lag loop must have left naming the change: which object, and that it was DDL on blue. */
const ddlChecks = (f: RunFacts): Check[] => {
  const reason = f.replicationWindow.brokenReason;
  const after = f.replicationWindow.lagChecksAfterDdl;
  return [
    {
      name: 'DDL on blue named when the lag loop left',
      ok: reason?.includes(DDL_TABLE) === true,
      detail: reason ?? 'no lag check judged the replication window broken',
    },
    {
      name: 'detected within two lag polls of the DDL',
      ok: reason !== null && after !== null && after <= 2,
      detail: after === null ? 'the DDL never ran' : `${after} lag check(s) after the DDL`,
    },
  ];
};

export const checks = (scenario: Scenario, f: RunFacts): Check[] => {
  const out: Check[] = [
    {
      name: 'outcome',
      ok: f.outcome === scenario.expected,
      detail: `${f.outcome}, expected ${scenario.expected}`,
    },
    {
      name: 'no lost writes',
      ok: f.lostWrites === 0,
      detail: `${f.lostWrites} acknowledged writes missing from ${f.after?.instanceId ?? 'the endpoint'}`,
    },
    { name: 'writes flowed', ok: f.acknowledgedWrites > 0, detail: `${f.acknowledgedWrites} acknowledged` },
  ];
  if (f.approvalLinkError) out.push({ name: 'approval link', ok: false, detail: f.approvalLinkError });
  // A run that went on to the switch after deciding to ANALYZE green must have analyzed it, all of it.
  const gm = f.greenMaintenance;
  if (scenario.expected === 'switched' && gm?.analyzed)
    out.push({
      name: 'green analyzed before the approval',
      ok: gm.status === 'done' && gm.tables > 0,
      detail: `${gm.summary} (${gm.status}, ${gm.rounds} round(s))`,
    });
  const m = f.migrations;
  if (scenario.expected === 'migration-failed') {
    const failed = m?.units.find((u) => u.outcome === 'failed');
    out.push({
      name: 'failing statement listed, earlier ones applied',
      ok:
        !!failed &&
        (m?.units.some((u) => u.outcome === 'applied') ?? false) &&
        !f.states.includes('CreateGreen'),
      detail: m
        ? m.units.map((u) => `${u.source} ${u.outcome}${u.error ? ` (${u.error})` : ''}`).join('; ')
        : 'ApplyMigrations never ran',
    });
  }
  if (scenario.schemaHazards) {
    const missing = f.hazardNames.filter((name) => !f.preflightRefusal.includes(name));
    out.push({
      name: 'every hazard named in the refusal',
      ok: missing.length === 0,
      detail: missing.length ? `missing: ${missing.join(', ')}` : f.hazardNames.join(', '),
    });
    // Refused means nothing changed for production: each write must still touch its row.
    for (const w of f.productionWrites)
      out.push({
        name: `production write: ${w.sql.split(' ')[0]}`,
        ok: w.error === null && (w.rowCount ?? 0) > 0,
        detail: `${w.sql} → ${w.error ?? `${w.rowCount} row(s)`}`,
      });
  }
  const greens = f.instances.filter((i) => /-green-/.test(i.id));
  const sameServer = !!f.before && !!f.after && f.before.systemIdentifier === f.after.systemIdentifier;
  if (
    scenario.expected === 'rolled-back' ||
    scenario.expected === 'refused' ||
    scenario.expected === 'migration-failed'
  ) {
    out.push({
      name: 'no Blue/Green deployment left',
      ok: f.deployments.length === 0,
      detail: f.deployments.length
        ? f.deployments.map((d) => `${d.id} ${d.status}`).join(', ')
        : 'none (DescribeBlueGreenDeployments)',
    });
    out.push({
      name: 'no green instance left',
      ok: greens.length === 0,
      detail: greens.length
        ? greens.map((g) => `${g.id} ${g.status}`).join(', ')
        : 'none (DescribeDBInstances)',
    });
    out.push({
      name: 'blue still serves',
      ok: sameServer,
      detail: `${f.endpoint} answered by ${f.after?.instanceId ?? '?'} (${f.after?.serverVersion ?? '?'})`,
    });
  }
  if (scenario.expected === 'switched' && f.expandMigrations > 0) {
    out.push({
      name: 'expand migrations applied on blue before green',
      ok: !!m && m.verdict === 'done' && m.applied === m.total && m.total > 0 && m.finishedBeforeGreen,
      detail: m
        ? `${m.applied} of ${m.total} applied (${m.units.map((u) => `${u.source} ${u.durationMs ?? '?'} ms`).join(', ')}), ${m.finishedBeforeGreen ? 'before' : 'AFTER'} CreateGreen`
        : 'ApplyMigrations never ran',
    });
  }
  if (scenario.expected === 'switched') {
    out.push({
      name: 'endpoint moved to green',
      ok:
        !!f.before &&
        !!f.after &&
        !sameServer &&
        (f.mysqlFamily
          ? f.mysqlFamily.endpointEngineVersion === f.mysqlFamily.targetEngineVersion
          : f.after.serverVersion.startsWith('18')),
      detail: f.mysqlFamily
        ? `server_id ${f.before?.systemIdentifier ?? '?'} → ${f.after?.systemIdentifier ?? '?'}, EngineVersion ${f.mysqlFamily.endpointEngineVersion ?? '?'} (target ${f.mysqlFamily.targetEngineVersion})`
        : `${f.before?.serverVersion ?? '?'} → ${f.after?.serverVersion ?? '?'}`,
    });
    out.push({
      name: 'no Blue/Green deployment left',
      ok: f.deployments.length === 0,
      detail: `${f.deployments.length} left`,
    });
    // Where the run set up reverse replication, old blue must have been applying on every bake pass
    // (a fail-back then loses nothing), and the stream must be gone before old blue was deleted.
    const streamed = f.reverse?.statuses.filter((s) => s.enabled) ?? [];
    if (streamed.length > 0) {
      // A pass may read the subscription still connecting ("prepared"); none may be broken or absent,
      // and the last must replicate.
      const last = streamed.at(-1)!;
      const bad =
        streamed.find((s) => s.state === 'broken' || s.state === 'absent') ??
        (last.state === 'replicating' ? undefined : last);
      const connecting = streamed.filter((s) => s.state === 'prepared').length;
      out.push({
        name: 'reverse stream to old blue replicating',
        ok: !bad,
        detail: bad
          ? `${bad.state}: ${bad.detail}`
          : `${streamed.length} bake pass(es)${connecting ? ` (${connecting} still connecting)` : ''}, last lag ${last.lag ?? '?'}: ${last.detail}`,
      });
      out.push({
        name: 'reverse stream removed before cleanup',
        ok: f.reverse?.ended === true,
        detail:
          f.reverse?.ended === true ? 'removed on both sides' : 'EndReverseReplication did not remove it',
      });
    }
  }
  if (scenario.expected === 'failed-back') out.push(...failBackChecks(f, sameServer));
  if (f.schemaRows) {
    out.push({
      name: 'schema rows on the endpoint',
      ok: f.schemaRows.missing.length === 0,
      detail: f.schemaRows.missing.length
        ? f.schemaRows.missing.slice(0, 5).join('; ')
        : `${f.schemaRows.rows} rows in ${f.schemaRows.tables} tables`,
    });
  }
  if (scenario.expected === 'failed-after-switch') {
    const old = f.instances.find((i) => /-old\d+$/.test(i.id));
    out.push({
      name: 'old blue kept read-only',
      ok: !!old && old.readOnly === true,
      detail: old ? `${old.id} ${old.status}, read-only ${String(old.readOnly)}` : 'no -old instance',
    });
  }
  if (scenario.onGreenAfterSwitch) {
    const named = f.verifyProblems.find((p) => p.includes(SEQUENCE) && p.includes('setval'));
    out.push({
      name: 'verification names the sequence behind and its fix',
      ok: named !== undefined,
      detail: named ?? `problems: ${f.verifyProblems.join('; ') || 'none'}`,
    });
  }
  if (scenario.ddlOnBlueDuringLag) out.push(...ddlChecks(f));
  if (f.hooks?.expected.length) out.push(...hookChecks(scenario, f));
  if (scenario.eventsDropped) {
    // Nothing reached the relay, so every event wait that ended ended by its fallback poll.
    out.push({
      name: 'no RDS event reached the relay',
      ok: f.eventRelay?.delivered === 0,
      detail: `${f.eventRelay?.delivered ?? '?'} delivered`,
    });
    const waits = f.states.filter((s) => s === 'AwaitGreenEvent' || s === 'AwaitSwitchoverEvent').length;
    out.push({
      name: 'the event waits fell back to their polls',
      ok: waits > 0 && !f.states.includes('WaitForGreen'),
      detail: `${waits} event waits, all ended by their fallback poll`,
    });
  }
  if (scenario.recreateOnDegraded) {
    // One rebuild: the old green deleted and gone before the new one was created (same name), guard re-armed.
    const rebuilt = f.states.filter((s) => s === 'RecreateGreen').length;
    const order = [
      'RecreateGreen',
      'IsOldGreenDeleted',
      'ReinstallDdlGuard',
      'CreateGreen',
      'Switchover',
    ].map((s) => f.states.lastIndexOf(s));
    out.push({
      name: 'green rebuilt once, then switched to the new green',
      ok: rebuilt === 1 && order.every((i, k) => i >= 0 && (k === 0 || i > (order[k - 1] ?? -1))),
      detail: `${rebuilt} rebuild(s); ${f.states.filter((s) => s === 'CreateGreen').length} CreateGreen`,
    });
  }
  if (scenario.driftOnGreen) {
    // The refusal names the drifted key range (the range that holds the changed row); the rolled-back
    // notification carries $.error (DataDrift and the validation summary).
    const d = f.drift;
    out.push({
      name: 'drifted key range named',
      ok:
        !!d &&
        namesRangeOf(d.notification, d.row) &&
        f.states.includes('DataDriftFound') &&
        !f.states.includes('Switchover'),
      detail: d
        ? `row id ${d.row.id}; refusal: ${d.notification.slice(0, 300)}`
        : 'no row was changed on green',
    });
  }
  return out;
};

/** What a fleet rehearsal measured at the end (`npm run rehearse -- --fleet N`). */
export interface FleetFacts {
  status: string;
  error: string | null;
  /** the database number (1-based) whose switchover was made to fail, if any */
  failIndex: number | null;
  /** per database, in fleet order */
  databases: Array<{
    id: string;
    wave: number;
    outcome: string;
    acknowledged: number;
    lost: number;
    /** the endpoint moved to a PostgreSQL 18 server (switched) or still answers from the original (rolled back) */
    serverVersion: string | null;
  }>;
  deployments: Array<{ id: string; status: string }>;
  /** DescribeDBInstances at the end */
  instances: Array<{ id: string; status: string }>;
}

/** The fleet's verdict: each database as expected, 0 lost writes each, nothing orphaned anywhere. */
export const fleetChecks = (f: FleetFacts): Check[] => {
  const out: Check[] = [];
  const failed = f.failIndex === null ? null : f.databases[f.failIndex - 1];
  const failWave = failed?.wave ?? null;
  out.push({
    name: 'fleet outcome',
    ok: failed ? f.error === 'Switchyard.FleetStopped' : f.status === 'SUCCEEDED',
    detail: `${f.status}${f.error ? ` (${f.error})` : ''}; expected ${failed ? 'Switchyard.FleetStopped' : 'SUCCEEDED'}`,
  });
  for (const d of f.databases) {
    const expected =
      failWave === null || d.wave < failWave
        ? 'switched'
        : d.id === failed?.id
          ? 'rolled-back'
          : d.wave === failWave
            ? 'switched'
            : 'not-started';
    out.push({
      name: `${d.id}: ${expected}`,
      ok: d.outcome === expected,
      detail: `wave ${d.wave}: ${d.outcome}; endpoint answers ${d.serverVersion ?? '?'}`,
    });
    out.push({
      name: `${d.id}: 0 lost writes`,
      ok: d.lost === 0 && d.acknowledged > 0,
      detail: `${d.lost} lost of ${d.acknowledged} acknowledged`,
    });
  }
  out.push({
    name: 'no Blue/Green deployment left',
    ok: f.deployments.length === 0,
    detail: f.deployments.length ? f.deployments.map((d) => `${d.id} ${d.status}`).join(', ') : 'none',
  });
  const ids = new Set(f.databases.map((d) => d.id));
  const extra = f.instances.filter((i) => !ids.has(i.id));
  out.push({
    name: 'no instance left but the fleet’s own (no green, no old blue)',
    ok: extra.length === 0 && f.instances.length === ids.size,
    detail: extra.length
      ? extra.map((i) => `${i.id} ${i.status}`).join(', ')
      : `${f.instances.length} instances`,
  });
  return out;
};
