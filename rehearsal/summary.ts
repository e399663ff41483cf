/** The multi-line summary printed at the end of `switchyard rehearse`. */
import { causeMessage } from '../src/domain/error-envelope.ts';
import type { EndpointIdentity, RehearsalReport } from './report.ts';

const ms = (n: number | null | undefined): string =>
  n == null ? '–' : n < 10_000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;

const bytesOrSeconds = (v: number | null, unit: string): string => {
  if (v == null) return 'no data';
  if (unit === 'bytes') return v < 1024 ? `${v} B` : `${(v / 1024).toFixed(1)} KiB`;
  return `${v} s`;
};

/** Lines of a failure's message printed after its first, and the characters kept of each. */
const MESSAGE_LINES = 40;
const cut = (line: string): string => (line.length > 1000 ? `${line.slice(0, 1000)}…` : line);

const ENGINE_NAMES = { postgres: 'PostgreSQL', mariadb: 'MariaDB', mysql: 'MySQL' } as const;

export const formatSummary = (r: RehearsalReport): string => {
  const lagValues = r.lag.map((s) => bytesOrSeconds(s.value, s.unit));
  const endpoint = (e: EndpointIdentity | null): string =>
    e
      ? `${e.instanceId ?? '?'} (${r.engine?.name === 'postgres' || !r.engine ? 'PostgreSQL ' : ''}${e.serverVersion}, server :${e.serverPort}, ${r.engine?.name === 'postgres' || !r.engine ? 'system' : 'server_id'} ${e.systemIdentifier})`
      : '–';
  const lines = [
    `Rehearsal ${r.inputMapping ? `of ${r.inputMapping.file} (scenario ${r.scenario})` : r.scenario}: ${r.outcome}${r.outcome === r.expected ? ' (as expected)' : ` (expected ${r.expected})`} in ${ms(r.durationMs)}`,
    `  engine       ${ENGINE_NAMES[r.engine?.name ?? 'postgres']}${r.engine?.standIn ? ` (stand-in: ${r.engine.standIn})` : ''}`,
    `  path         ${r.states.length} states, ${r.transitions} transitions${r.retries.length ? `, ${r.retries.length} retries` : ''}; ended in ${r.states.at(-1) ?? '–'}${r.error ? ` (${r.error})` : ''}`,
    // The cause is Lambda's error envelope (as in AWS); the summary shows its message, one line per
    // line of it, so a refusal shows every problem and its fix.
    ...r.failures.slice(0, 3).flatMap((f) => {
      const [first = '', ...rest] = (causeMessage(f.cause) ?? '').split('\n').filter((l) => l.trim() !== '');
      const shown = rest.slice(0, MESSAGE_LINES);
      return [
        `  error        ${f.state}: ${f.error}: ${cut(first)}`,
        ...shown.map((l) => `               ${cut(l)}`),
        ...(rest.length > shown.length
          ? [`               … ${rest.length - shown.length} more lines in the report`]
          : []),
      ];
    }),
    `  writes       ${r.writes.acknowledged} acknowledged of ${r.writes.attempted} attempted, ${r.writes.failed} failed, ${r.writes.lost} lost (${r.writes.clients} clients, ${r.writes.ratePerSecond.toFixed(0)}/s)`,
    r.switchover.happened
      ? `  switchover   longest write stall ${ms(r.switchover.writeStallMs)}, ${r.switchover.clientErrors} client errors${r.switchover.holdConnections ? ' (connections held)' : ''} (measured here, on the emulator: not a promise about RDS)`
      : '  switchover   did not happen',
    ...(r.failBack
      ? [
          `  fail-back    longest write stall ${ms(r.failBack.failBackStallMs)} (writes blocked → production name verified on old blue), ${r.failBack.writesOnNewPrimary} writes acknowledged on the new primary before it, ${r.failBack.writesAfterFailBack} after it; new primary kept as ${r.failBack.failedAside?.id ?? '?'}`,
        ]
      : []),
    ...(r.switchover.productionEstimate
      ? [
          `  estimate     RDS switchover (modelled, not measured): ${r.switchover.productionEstimate.lowerSeconds}–${r.switchover.productionEstimate.upperSeconds} s, expected ${r.switchover.productionEstimate.expectedSeconds} s; recommended SwitchoverTimeout ${r.switchover.productionEstimate.recommendedTimeoutSeconds} s`,
        ]
      : []),
    r.migrations
      ? `  migrations   ${r.migrations.applied} of ${r.migrations.total} applied on blue (${r.migrations.verdict})${!r.states.includes('CreateGreen') ? ', green never created' : r.migrations.finishedBeforeGreen ? ', before green was created' : ', AFTER green was created'}${r.migrations.units.length ? `: ${r.migrations.units.map((u) => `${u.source} ${u.outcome}${u.durationMs == null ? '' : ` ${u.durationMs} ms`}`).join('; ')}` : ''}`
      : '  migrations   not run',
    ...r.ddlGuard.map(
      (g) =>
        `  ddl guard    ${g.state}: ${g.state === 'InstallDdlGuard' || g.state === 'ReinstallDdlGuard' ? `${String(g.result.mode)}${g.result.freeze ? ' (frozen)' : ''}` : `${String(g.result.summary)}; released ${String(g.result.allReleased)}`}`,
    ),
    ...(r.hooks ?? []).map(
      (h) =>
        `  hook         ${h.label}: ${h.outcome}${h.outcome !== 'passed' && h.onFailure === 'warn' ? ' (warn)' : ''} in ${(h.durationMs / 1000).toFixed(1)} s, ${h.attempts} attempt(s)`,
    ),
    ...(r.validation ?? []).map(
      (v) => `  validation   ${v.state}: ${v.status}: ${v.summary} (${v.durationMs} ms)`,
    ),
    ...(r.greenMaintenance
      ? [
          `  green prep   ${r.greenMaintenance.status}: ${r.greenMaintenance.summary} (${r.greenMaintenance.durationMs} ms, ${r.greenMaintenance.rounds} round(s))`,
        ]
      : []),
    `  lag          ${r.lag.length} samples${lagValues.length ? `: ${lagValues.slice(0, 8).join(', ')}${lagValues.length > 8 ? ', …' : ''}` : ''}`,
    `  approval     ${r.approval.decision}${r.approval.by ? ` by ${r.approval.by}` : ''}${r.approval.at ? ` at ${r.approval.at}` : ''}${r.approval.reason ? ` ("${r.approval.reason}")` : ''}`,
    ...(r.schema
      ? [
          `  schema       ${r.schema.file}: ${r.schema.tables.length} tables, ${r.schema.tables.reduce((n, t) => n + t.inserted, 0)} generated rows`,
          ...r.schema.shortfalls.slice(0, 10).map((s) => `               ${s.slice(0, 200)}`),
        ]
      : []),
    `  endpoint     before: ${endpoint(r.endpoints.before)}`,
    `               after:  ${endpoint(r.endpoints.after)}`,
    `  left         ${r.remaining.deployments.length} Blue/Green deployments; instances ${r.remaining.instances.map((i) => `${i.id} (${i.status}${i.readOnly ? ', read-only' : ''})`).join(', ') || 'none'}`,
    '  checks',
    ...r.checks.map((c) => `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
  ];
  return lines.join('\n');
};
