/**
 * What `switchyard check` prints: the problems Preflight would refuse with (one list, as in the
 * refusal), then blue's inspection finding by finding with the objects, the fix and the page it
 * comes from. text for people, json for tools, github for workflow annotations.
 */
import { describeObject, formatBytes, type InspectionReport } from '#domain/inspection/index';

export type CheckFormat = 'text' | 'json' | 'github';

export interface CheckResult {
  source: string;
  /** refused: Preflight would stop the run; passed: it would go on (warnings allowed) */
  verdict: 'refused' | 'passed';
  problems: string[];
  database: InspectionReport | null;
  replication: string | null;
}

const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const textReport = (r: CheckResult): string => {
  const out: string[] = [
    `switchyard check: ${r.source}${r.replication ? ` (${r.replication} replication)` : ''}`,
  ];
  if (r.problems.length) {
    out.push(
      '',
      `Preflight would refuse: ${r.problems.length} problem(s):`,
      ...r.problems.map((p) => `- ${p}`),
    );
  }
  const db = r.database;
  if (db) {
    const s = db.summary;
    out.push(
      '',
      `Database ${db.endpoint} (PostgreSQL ${s.serverVersion}): ${db.verdict.toUpperCase()}`,
      `  ${s.tables} tables, ${formatBytes(s.databaseBytes)}, ${s.sequences} sequences, ${s.connections} connections, longest open transaction ${s.longestTransactionSeconds} s, databases: ${s.databases.join(', ')}; inspected in ${db.durationMs} ms`,
    );
    for (const f of db.findings) {
      const state = f.waiver ? `WAIVED by ${f.waiver.by}: ${f.waiver.reason}` : f.severity.toUpperCase();
      out.push('', `${state} [${f.rule}] ${f.title} (${f.count})`);
      for (const o of f.objects) {
        out.push(`    ${describeObject(o)}`);
        if (o.sql) out.push(`      fix: ${o.sql}`);
      }
      if (f.count > f.objects.length) out.push(`    … and ${f.count - f.objects.length} more`);
      out.push(`  why: ${f.why}`, `  fix: ${f.fix}`, `  docs: ${f.docs}`);
    }
    const unused = db.waivers.filter((w) => !w.used);
    for (const w of unused) out.push('', `waiver of ${w.rule} by ${w.by} matched nothing (${w.reason})`);
  }
  const warnings = db?.findings.filter((f) => f.severity === 'warn' && !f.waiver).length ?? 0;
  out.push(
    '',
    r.verdict === 'refused'
      ? `Result: refused, ${r.problems.length} problem(s). Nothing was created or changed.`
      : `Result: passed${warnings ? ` with ${warnings} warning(s)` : ''}. Nothing was created or changed.`,
  );
  return out.join('\n');
};

const githubReport = (r: CheckResult): string => {
  const inspected = new Set(
    (r.database?.findings ?? []).filter((f) => f.severity === 'refuse' && !f.waiver).map((f) => f.rule),
  );
  const lines = r.problems
    .filter((p) => ![...inspected].some((rule) => p.includes(`[${rule}]`)))
    .map((p) => `::error title=${escapeProperty('switchyard check: preflight')}::${escapeData(p)}`);
  for (const f of r.database?.findings ?? []) {
    const command = f.waiver ? 'notice' : f.severity === 'refuse' ? 'error' : 'warning';
    const objects = f.objects.map((o) => `${describeObject(o)}${o.sql ? `: ${o.sql}` : ''}`).join('\n');
    const waived = f.waiver ? `\nWaived by ${f.waiver.by}: ${f.waiver.reason}` : '';
    lines.push(
      `::${command} title=${escapeProperty(`${f.rule} ${f.title}`)}::${escapeData(`${f.count} found:\n${objects}\nWhy: ${f.why}\nFix: ${f.fix}\nDocs: ${f.docs}${waived}`)}`,
    );
  }
  lines.push(
    `::notice title=switchyard check::${escapeData(`${r.verdict.toUpperCase()}: ${r.problems.length} problem(s)`)}`,
  );
  return lines.join('\n');
};

export const formatCheck = (result: CheckResult, format: CheckFormat): string =>
  format === 'json'
    ? JSON.stringify(result, null, 2)
    : format === 'github'
      ? githubReport(result)
      : textReport(result);
