/**
 * The rehearsal's picture (`--html FILE`, by default beside the JSON report): one self-contained HTML file
 * with the states entered as a Gantt-like timeline, writes per second, client errors and replication lag
 * over time on the same clock, the switchover stall and the approval wait marked, the outcome and
 * checks, and when the run has them: the migrations applied on blue, the DDL guard, the hooks, the data
 * validation rounds, MaintainGreen's ANALYZE and view refreshes on green, and PrepareApproval's modelled RDS switchover time (labelled apart from the stall measured here). uPlot's JS and CSS are inlined, the data is embedded: nothing is fetched when it is viewed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { causeMessage } from '../src/domain/error-envelope.ts';
import type { HookRecord } from '../src/domain/hooks.ts';
import type { RehearsalReport } from './report.ts';

const require = createRequire(import.meta.url);

const uplotAssets = (): { js: string; css: string } => {
  // The package's main entry sits in dist/, beside the browser build and the stylesheet.
  const root = dirname(require.resolve('uplot'));
  return {
    js: readFileSync(join(root, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(root, 'uPlot.min.css'), 'utf8'),
  };
};

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

export interface Band {
  label: string;
  fromMs: number;
  toMs: number;
  kind: 'stall' | 'approval' | 'switchover';
}

/** One bar per visit of a state: from its entry to the next state's entry (the last to the run's end). */
export const stateBars = (r: RehearsalReport): Array<{ state: string; fromMs: number; toMs: number }> => {
  const s = r.timeline.states;
  const end = r.timings.marks.executionEnded ?? s.at(-1)?.atMs ?? 0;
  return s.map((e, i) => ({ state: e.state, fromMs: e.atMs, toMs: Math.max(e.atMs, s[i + 1]?.atMs ?? end) }));
};

/** The marked windows: the switchover (Switchover entered → left the loop), its longest write stall, the approval wait. */
export const bands = (r: RehearsalReport): Band[] => {
  const t0 = Date.parse(r.series.startedAt);
  const out: Band[] = [];
  const bars = stateBars(r);
  const asked = bars.find((b) => b.state === 'RequestApproval');
  if (asked)
    out.push({
      label: `approval: ${r.approval.decision}`,
      fromMs: asked.fromMs,
      toMs: asked.toMs,
      kind: 'approval',
    });
  const switchAt = bars.findIndex((b) => b.state === 'Switchover');
  if (switchAt >= 0) {
    const loop = new Set(['Switchover', 'WaitForSwitchover', 'CheckSwitchover', 'IsSwitchoverDone']);
    const after = bars.slice(switchAt).find((b) => !loop.has(b.state));
    out.push({
      label: 'switchover',
      fromMs: bars[switchAt]?.fromMs ?? 0,
      toMs: after?.fromMs ?? bars.at(-1)?.toMs ?? 0,
      kind: 'switchover',
    });
  }
  if (r.switchover.stallWindow)
    out.push({
      label: `write stall ${Math.round(r.switchover.writeStallMs ?? 0)} ms`,
      fromMs: Date.parse(r.switchover.stallWindow.start) - t0,
      toMs: Date.parse(r.switchover.stallWindow.end) - t0,
      kind: 'stall',
    });
  return out;
};

const BAND_COLOURS: Record<Band['kind'], string> = {
  approval: 'rgba(230, 160, 0, 0.18)',
  switchover: 'rgba(60, 120, 220, 0.15)',
  stall: 'rgba(220, 40, 40, 0.35)',
};

/** The Gantt-like band as SVG: one row per state (in order of first entry), one bar per visit. */
const timelineSvg = (r: RehearsalReport, totalMs: number): string => {
  const bars = stateBars(r);
  const names = [...new Set(bars.map((b) => b.state))];
  const rowH = 16;
  const labelW = 190;
  const width = 1100;
  const plotW = width - labelW - 10;
  const x = (ms: number) => labelW + (Math.max(0, ms) / Math.max(1, totalMs)) * plotW;
  const height = names.length * rowH + 30;
  const failed = new Set(r.failures.map((f) => f.state));
  const ticks: string[] = [];
  const step = totalMs > 120_000 ? 30_000 : totalMs > 40_000 ? 10_000 : 5_000;
  for (let t = 0; t <= totalMs; t += step)
    ticks.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="0" y2="${height - 20}" class="tick"/><text x="${x(t)}" y="${height - 6}" class="ticklabel">${t / 1000}s</text>`,
    );
  const bandRects = bands(r)
    .map(
      (b) =>
        `<rect class="band band-${b.kind}" x="${x(b.fromMs)}" y="0" width="${Math.max(2, x(b.toMs) - x(b.fromMs))}" height="${height - 20}" fill="${BAND_COLOURS[b.kind]}"><title>${esc(b.label)}</title></rect>`,
    )
    .join('');
  const rows = names
    .map((name, i) => {
      const y = i * rowH;
      const visits = bars
        .filter((b) => b.state === name)
        .map(
          (b) =>
            `<rect x="${x(b.fromMs)}" y="${y + 3}" width="${Math.max(2, x(b.toMs) - x(b.fromMs))}" height="${rowH - 6}" class="bar${failed.has(name) ? ' failed' : ''}"><title>${esc(name)}: ${((b.toMs - b.fromMs) / 1000).toFixed(2)} s from +${(b.fromMs / 1000).toFixed(2)} s</title></rect>`,
        )
        .join('');
      return `<g class="state" data-state="${esc(name)}"><text x="${labelW - 6}" y="${y + rowH - 4}" class="label">${esc(name)}</text>${visits}</g>`;
    })
    .join('');
  return `<svg id="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="states entered over time">${ticks.join('')}${bandRects}${rows}</svg>`;
};

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1160px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.outcome { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 600; }
.pass { background: #d8f5dd; color: #135d22; } .fail { background: #fbdada; color: #8a1111; }
table { border-collapse: collapse; } td, th { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
.facts td:first-child { color: #666; }
.tick { stroke: #eee; } .ticklabel { font-size: 10px; fill: #777; text-anchor: middle; }
.label { font-size: 11px; text-anchor: end; fill: #333; }
.bar { fill: #4a7bd0; } .bar.failed { fill: #c83737; }
.legend-band { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 4px 0 12px; }
.ok { color: #135d22; } .bad { color: #8a1111; font-weight: 600; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 8px; }
pre.hook-output { margin: 0; padding: 2px 6px; }
`;

/** Client-side: the two uPlot charts, with the marked windows drawn behind the series. */
const CHARTS = `
const data = JSON.parse(document.getElementById('report-data').textContent);
const colours = { approval: 'rgba(230,160,0,0.18)', switchover: 'rgba(60,120,220,0.15)', stall: 'rgba(220,40,40,0.35)' };
const bandsPlugin = () => ({ hooks: { drawClear: [(u) => {
  const ctx = u.ctx;
  for (const b of data.bands) {
    const x0 = u.valToPos(b.fromMs / 1000, 'x', true), x1 = u.valToPos(b.toMs / 1000, 'x', true);
    ctx.fillStyle = colours[b.kind];
    ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
  }
}] } });
const width = Math.min(1100, document.body.clientWidth);
const xScale = { time: false, range: [0, data.totalMs / 1000] };
new uPlot({
  title: 'writes acknowledged per second and client errors', width, height: 240, plugins: [bandsPlugin()],
  scales: { x: xScale, errors: { range: (u, min, max) => [0, Math.max(1, max)] } },
  axes: [{ label: 'seconds since start' }, { label: 'writes/s' }, { side: 1, scale: 'errors', label: 'errors', grid: { show: false } }],
  series: [{ label: 's' }, { label: 'writes/s', stroke: '#2b6cb0', width: 1.5 }, { label: 'client errors', stroke: '#c53030', scale: 'errors', width: 1.5 }],
}, [data.series.atMs.map((t) => t / 1000), data.series.writesPerSecond, data.series.clientErrors], document.getElementById('writes-chart'));
new uPlot({
  title: 'replication lag (CheckLag and RecheckLag samples)', width, height: 200, plugins: [bandsPlugin()],
  scales: { x: xScale },
  axes: [{ label: 'seconds since start' }, { label: data.lagUnit }],
  series: [{ label: 's' }, { label: 'lag', stroke: '#6b46c1', width: 1.5, points: { show: true, size: 6 } }],
}, [data.lag.map((l) => l.atMs / 1000), data.lag.map((l) => l.value)], document.getElementById('lag-chart'));
document.body.dataset.rendered = 'true';
`;

/**
 * A Task's error as a reader wants it: the message of Lambda's error envelope, every line (a refusal lists
 * each problem and its fix), without the stack trace; a cause that is no envelope is shown as it is.
 */
const failureText = (cause: string): string => {
  const text = causeMessage(cause) ?? cause;
  return text.length > 20_000 ? `${text.slice(0, 20_000)}…` : text;
};

/** PrepareApproval's modelled RDS switchover time, beside (and labelled apart from) the stall measured here. */
const estimateRow = (r: RehearsalReport): string => {
  const e = r.switchover.productionEstimate as
    | (NonNullable<RehearsalReport['switchover']['productionEstimate']> & { basis?: string[] })
    | null
    | undefined;
  if (!e) return '';
  const basis = e.basis?.length ? `<ul>${e.basis.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>` : '';
  return `<tr id="estimate"><td>switchover on RDS (modelled)</td><td>${e.lowerSeconds}–${e.upperSeconds} s, expected ${e.expectedSeconds} s; recommended SwitchoverTimeout ${e.recommendedTimeoutSeconds} s (PrepareApproval's estimate, not measured)${basis}</td></tr>`;
};

/** MaintainGreen's last round: what ran on green before the approval, how long, and what did not and why. */
const maintenanceSection = (g: NonNullable<RehearsalReport['greenMaintenance']>): string => {
  const row = (step: string, what: string, ms: number | null, bad = false) =>
    `<tr><td>${esc(step)}</td><td${bad ? ' class="bad"' : ''}>${esc(what)}</td><td>${ms == null ? '' : `${ms} ms`}</td></tr>`;
  const reason = (why: string | undefined) => why ?? '(reason not recorded)';
  const skippedCount = g.skippedCount ?? g.skipped?.length ?? 0;
  const rows = [
    g.analyzed
      ? row(
          'ANALYZE',
          `${g.tables} table(s) analyzed${skippedCount ? `, ${skippedCount} skipped` : ''}: ${reason(g.analyzeWhy)}`,
          g.analyzeMs,
        )
      : row('ANALYZE', `not run: ${reason(g.analyzeWhy)}`, null),
    ...(g.slowest ?? []).slice(0, 5).map((t) => row('ANALYZE (slowest)', t.name, t.durationMs)),
    ...(g.skipped ?? []).map((t) => row('ANALYZE skipped', `${t.name}: ${t.why}`, null, true)),
    ...(skippedCount > (g.skipped?.length ?? 0)
      ? [
          row(
            'ANALYZE skipped',
            `and ${skippedCount - (g.skipped?.length ?? 0)} more (list capped)`,
            null,
            true,
          ),
        ]
      : []),
    (g.viewsRun ?? g.viewsRefreshed > 0)
      ? row(
          'REFRESH',
          `${g.viewsRefreshed} materialized view(s) refreshed${g.viewsConcurrently === undefined ? '' : ` (${g.viewsConcurrently} concurrently)`}: ${reason(g.viewsWhy)}`,
          g.viewsMs ?? null,
        )
      : row('REFRESH', `not run: ${reason(g.viewsWhy)}`, null),
    ...(g.views ?? []).map((v) =>
      row(`REFRESH${v.mode === 'concurrently' ? ' CONCURRENTLY' : ''}`, `${v.name} (${v.why})`, v.durationMs),
    ),
    ...(g.missingViews?.length
      ? [row('not on green', `${g.missingViews.join(', ')} (named by the inspection)`, null, true)]
      : []),
  ];
  return `<h2>Green maintenance (before the approval)</h2><p id="green-maintenance-summary">${esc(g.status)} after ${g.rounds} round(s), ${g.durationMs} ms: ${esc(g.summary)}</p><table id="green-maintenance">${rows.join('')}</table>`;
};

/** What the run did after a hook's last attempt, as the state machine decided it (HookRecord.next). */
const HOOK_NEXT: Record<HookRecord['next'], string> = {
  continue: 'the run went on',
  retry: 'a retry was due',
  abort: 'the run stopped',
};

/** Each hook's last record: where it ran, how it ended and what the run did then, how long, its output. */
const hooksSection = (hooks: readonly HookRecord[]): string => {
  const failed = hooks.filter((h) => h.outcome !== 'passed').length;
  const rows = hooks.map((h) => {
    const ended =
      h.outcome === 'passed' ? h.outcome : `${h.outcome} (onFailure ${h.onFailure}: ${HOOK_NEXT[h.next]})`;
    return `<tr data-hook="${esc(h.name)}"><td>${esc(h.point)}</td><td>${esc(h.label)}</td><td class="${h.outcome === 'passed' ? 'ok' : 'bad'}">${esc(ended)}</td><td>${(h.durationMs / 1000).toFixed(1)} s, ${h.attempts} attempt(s)</td><td><pre class="hook-output">${esc(h.summary)}</pre></td></tr>`;
  });
  return `<h2>Hooks</h2><p id="hooks-summary">${hooks.length - failed} of ${hooks.length} passed</p><table id="hooks">${rows.join('')}</table>`;
};

/** The migrations applied on blue, the DDL guard, the hooks and the data validation rounds, each when the run has them. */
const detailSections = (r: RehearsalReport): string => {
  const out: string[] = [];
  const m = r.migrations;
  if (m) {
    const when = !r.states.includes('CreateGreen')
      ? 'green never created'
      : m.finishedBeforeGreen
        ? 'finished before green was created'
        : 'finished AFTER green was created';
    out.push(
      `<h2>Migrations applied on blue</h2><p id="migrations-summary">${m.applied} of ${m.total} applied (${esc(m.verdict)}), ${when}</p>`,
      `<table id="migrations">${m.units.map((u) => `<tr><td>${esc(u.source)}</td><td class="${u.outcome === 'failed' ? 'bad' : ''}">${esc(u.outcome)}</td><td>${u.durationMs == null ? '' : `${u.durationMs} ms`}</td><td><code>${esc(u.excerpt)}</code>${u.error ? ` <span class="bad">${esc(u.error)}</span>` : ''}</td></tr>`).join('')}</table>`,
    );
  }
  if (r.ddlGuard.length)
    out.push(
      `<h2>DDL guard</h2><table id="ddl-guard">${r.ddlGuard
        .map((g) => {
          const what =
            g.state === 'InstallDdlGuard'
              ? `mode ${String(g.result.mode)}${g.result.freeze ? ' (frozen)' : ''}`
              : `${String(g.result.summary)}; released ${String(g.result.allReleased)}`;
          return `<tr><td>${esc(g.state)}</td><td>${esc(what)}</td></tr>`;
        })
        .join('')}</table>`,
    );
  if (r.hooks?.length) out.push(hooksSection(r.hooks));
  if (r.validation?.length)
    out.push(
      `<h2>Data validation (blue vs green)</h2><table id="validation">${r.validation.map((v) => `<tr><td>${esc(v.state)}</td><td class="${v.status === 'drift' ? 'bad' : ''}">${esc(v.status)}</td><td>${esc(v.summary)}</td><td>${v.durationMs} ms</td></tr>`).join('')}</table>`,
    );
  if (r.greenMaintenance) out.push(maintenanceSection(r.greenMaintenance));
  return out.join('\n');
};

/** The whole HTML document for one rehearsal report. */
export const renderHtmlReport = (r: RehearsalReport): string => {
  const { js, css } = uplotAssets();
  const t0 = Date.parse(r.series.startedAt);
  const totalMs = Math.max(
    r.timings.marks.executionEnded ?? 0,
    r.series.atMs.at(-1) ?? 0,
    r.timeline.states.at(-1)?.atMs ?? 0,
  );
  const data = {
    totalMs,
    bands: bands(r),
    series: r.series,
    lagUnit: r.lag[0]?.unit ?? 'bytes',
    lag: r.lag.map((l) => ({ atMs: Date.parse(l.at) - t0, value: l.value })),
  };
  const fact = (k: string, v: string) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`;
  const ms = (n: number | null) => (n == null ? '–' : `${Math.round(n)} ms`);
  const legend = (['approval', 'switchover', 'stall'] as const)
    .map(
      (k) =>
        `<span class="legend-band" style="background:${BAND_COLOURS[k]}"></span>${k === 'stall' ? 'longest write stall' : k}`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Switchyard rehearsal ${esc(r.scenario)}: ${esc(r.outcome)}</title>
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>Switchyard rehearsal <code>${esc(r.scenario)}</code></h1>
<p><span id="outcome" class="outcome ${r.passed ? 'pass' : 'fail'}">${esc(r.outcome)}${r.outcome === r.expected ? '' : ` (expected ${esc(r.expected)})`}</span>
 ${r.passed ? 'every check held' : 'a check failed'} · ${(r.durationMs / 1000).toFixed(1)} s wall time · ${r.states.length} states · started ${esc(r.series.startedAt)}</p>
<table class="facts">
${fact('writes', `${r.writes.acknowledged} acknowledged of ${r.writes.attempted}, ${r.writes.failed} failed, <b>${r.writes.lost} lost</b> (${r.writes.clients} clients, ${r.writes.ratePerSecond.toFixed(0)}/s)`)}
${fact('switchover (measured here)', r.switchover.happened ? `longest write stall <b>${ms(r.switchover.writeStallMs)}</b>, ${r.switchover.clientErrors} client errors${r.switchover.holdConnections ? ', connections held' : ''} (on the emulator: not a promise about RDS)` : 'did not happen')}
${estimateRow(r)}
${fact('approval', `${esc(r.approval.decision)}${r.approval.by ? ` by ${esc(r.approval.by)}` : ''}${r.approval.at ? ` at ${esc(r.approval.at)}` : ''}${r.approval.waitedMs != null ? `, waited ${ms(r.approval.waitedMs)}` : ''}${r.approval.reason ? ` (“${esc(r.approval.reason)}”)` : ''}`)}
${fact('endpoint', `${esc(r.endpoints.before?.instanceId ?? '?')} PostgreSQL ${esc(r.endpoints.before?.serverVersion ?? '?')} → ${esc(r.endpoints.after?.instanceId ?? '?')} PostgreSQL ${esc(r.endpoints.after?.serverVersion ?? '?')}`)}
${r.error ? fact('error', `${esc(r.error)}: ${esc(r.cause?.slice(0, 400))}`) : ''}
</table>
<h2>Checks</h2>
<table id="checks">${r.checks.map((c) => `<tr><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'FAIL'}</td><td>${esc(c.name)}</td><td>${esc(c.detail)}</td></tr>`).join('')}</table>
${r.failures.length ? `<h2>Errors that set the path</h2>${r.failures.map((f) => `<p><b>${esc(f.state)}</b>: ${esc(f.error)}</p><pre class="failure">${esc(failureText(f.cause))}</pre>`).join('')}` : ''}
<h2>States entered</h2>
<p>${legend}</p>
${timelineSvg(r, totalMs)}
<h2>Writes and client errors</h2>
<div id="writes-chart"></div>
<h2>Replication lag</h2>
<div id="lag-chart"></div>
${detailSections(r)}
${r.schema ? `<h2>Schema <code>${esc(r.schema.file)}</code></h2><table id="schema">${r.schema.tables.map((t) => `<tr><td>${esc(t.table)}</td><td>${t.inserted} of ${t.requested} rows</td><td>${esc(t.skipped ?? (t.inserted < t.requested ? t.firstError : '') ?? '')}</td></tr>`).join('')}</table>` : ''}
<script>${js}</script>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${CHARTS}</script>
</body></html>
`;
};

/** Writes the picture of `r` to `file`, creating the folder. */
export const writeHtmlReport = (file: string, r: RehearsalReport): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderHtmlReport(r));
};
