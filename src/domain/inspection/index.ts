/**
 * The rule table by engine, and the verdict: which rules apply on this replication path, what they
 * found, which waivers accept which findings, and the one-line problems a refusal lists.
 */
import { BINLOG_RULES, type BinlogCatalogFacts } from './binlog.ts';
import { POSTGRES_RULES, type PostgresFacts } from './postgres.ts';
import type {
  Finding,
  InspectionReport,
  InspectionRule,
  InspectionSummary,
  ReplicationPath,
  Waiver,
} from './types.ts';

export type * from './types.ts';

/** Facts by engine; MySQL/MariaDB (binlog) facts join here with their rule module. */
export interface FactsByEngine {
  postgres: PostgresFacts;
  mysql: BinlogCatalogFacts;
  mariadb: BinlogCatalogFacts;
}
export type InspectedEngine = keyof FactsByEngine;

export const RULES: { [E in InspectedEngine]: ReadonlyArray<InspectionRule<FactsByEngine[E]>> } = {
  postgres: POSTGRES_RULES,
  mysql: BINLOG_RULES,
  mariadb: BINLOG_RULES,
};

/** The engines Preflight can inspect (and for which `database` is therefore required). */
export const isInspectedEngine = (engine: string): engine is InspectedEngine => engine in RULES;

const allRules = (): ReadonlyArray<InspectionRule<never>> =>
  Object.values(RULES).flat() as ReadonlyArray<InspectionRule<never>>;

export const ruleById = (id: string): InspectionRule<never> | undefined =>
  allRules().find((r) => r.id === id);
// MySQL and MariaDB share one rule list: name each rule once.
export const ruleIds = (): string[] => [...new Set(allRules().map((r) => r.id))];

/** Objects listed per finding: enough to act on, small enough for a Step Functions payload (256 KB). */
export const MAX_OBJECTS_PER_FINDING = 25;

/** What is wrong with a waiver's rule id (unknown, or a refusal that cannot be waived); undefined when fine. */
export const waiverRuleProblem = (ruleId: string): string | undefined => {
  const rule = ruleById(ruleId);
  if (!rule) return `unknown rule "${ruleId}"; known rules: ${ruleIds().join(', ')}`;
  const refuses = Object.values(rule.severity).includes('refuse');
  if (refuses && !rule.waivable) return `${ruleId} (${rule.title}) cannot be waived; fix it: ${rule.fix}`;
  return undefined;
};

export interface EvaluateArgs<E extends InspectedEngine> {
  engine: E;
  replication: ReplicationPath;
  facts: FactsByEngine[E];
  waivers: Waiver[];
  summary: InspectionSummary;
  database: string;
  endpoint: string;
  durationMs: number;
}

/** Runs the engine's rules for this path and applies the waivers; pure. */
export const evaluateInspection = <E extends InspectedEngine>(args: EvaluateArgs<E>): InspectionReport => {
  const rules = RULES[args.engine] as ReadonlyArray<InspectionRule<FactsByEngine[E]>>;
  const used = new Set<string>();
  const findings: Finding[] = [];
  for (const rule of rules) {
    const severity = rule.severity[args.replication];
    if (!severity) continue;
    const objects = rule.find(args.facts);
    if (objects.length === 0) continue;
    const waiver = args.waivers.find((w) => w.rule === rule.id && (severity === 'warn' || rule.waivable));
    if (waiver) used.add(waiver.rule);
    findings.push({
      rule: rule.id,
      title: rule.title,
      severity,
      waivable: severity === 'warn' || rule.waivable,
      why: rule.why,
      fix: rule.fix,
      docs: rule.docs,
      count: objects.length,
      objects: objects.slice(0, MAX_OBJECTS_PER_FINDING),
      ...(waiver ? { waiver: { reason: waiver.reason, by: waiver.by } } : {}),
    });
  }
  const open = findings.filter((f) => !f.waiver);
  const verdict = open.some((f) => f.severity === 'refuse') ? 'refuse' : open.length > 0 ? 'warn' : 'pass';
  return {
    engine: args.engine,
    replication: args.replication,
    database: args.database,
    endpoint: args.endpoint,
    verdict,
    summary: args.summary,
    findings,
    waivers: args.waivers.map((w) => ({ ...w, used: used.has(w.rule) })),
    durationMs: args.durationMs,
  };
};

const KB = 1024;
/** 1536 → "1.5 kB"; binary units, as pg_size_pretty prints them. */
export const formatBytes = (bytes: number): string => {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= KB && unit < units.length - 1) {
    value /= KB;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
};

/** "public.events (≈1000 rows, 72 kB; no primary key)" */
export const describeObject = (o: Finding['objects'][number]): string => {
  const numbers = [
    o.rows === undefined ? undefined : `≈${o.rows} rows`,
    o.bytes === undefined ? undefined : formatBytes(o.bytes),
  ].filter(Boolean);
  const extra = [numbers.join(', '), o.detail].filter(Boolean).join('; ');
  return extra ? `${o.name} (${extra})` : o.name;
};

/**
 * Objects named in a message line: the first few, then how many more. A refusal travels as the Lambda
 * error's message, which Step Functions keeps as the Cause (at most 32,768 characters).
 */
export const MAX_OBJECTS_PER_LINE = 10;
const objectList = (f: Finding): string => {
  const shown = f.objects.slice(0, MAX_OBJECTS_PER_LINE);
  const more = f.count - shown.length;
  return `${shown.map(describeObject).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
};

/** One line per finding that refuses the run, for the refusal message. */
export const refusalProblems = (report: InspectionReport): string[] =>
  report.findings
    .filter((f) => f.severity === 'refuse' && !f.waiver)
    .map((f) => {
      const waive = f.waivable ? ' (or waive it: waivers[].rule)' : '';
      return `${report.database} [${f.rule}] ${f.title}: ${objectList(f)}; fix: ${f.fix}${waive}; see ${f.docs}`;
    });

/** The warnings (not waived) as lines, so a refusal also names what will need attention after the fixes. */
export const warningLines = (report: InspectionReport): string[] =>
  report.findings
    .filter((f) => f.severity === 'warn' && !f.waiver)
    .map((f) => `${report.database} [${f.rule}] ${f.title}: ${objectList(f)}; fix: ${f.fix}`);

/** A one-line summary for approvers: "2 warnings (PG-SEQUENCES, ...), 1 waived". */
export const inspectionHeadline = (report: InspectionReport): string => {
  const open = report.findings.filter((f) => !f.waiver);
  const waived = report.findings.length - open.length;
  const parts = [
    `${report.verdict.toUpperCase()}: ${open.length} finding(s)${open.length ? ` (${open.map((f) => f.rule).join(', ')})` : ''}`,
    waived ? `${waived} waived` : undefined,
    `${report.summary.tables} tables, ${formatBytes(report.summary.databaseBytes)}`,
  ].filter(Boolean);
  return parts.join('; ');
};

/** What approvers see of the inspection: every finding in one line, and every waiver with who gave it. */
export interface ApprovalInspection {
  verdict: InspectionReport['verdict'];
  headline: string;
  findings: Array<{
    rule: string;
    severity: Finding['severity'];
    line: string;
    waiver?: { reason: string; by: string };
  }>;
  waivers: Array<Waiver & { used: boolean }>;
}

export const approvalInspection = (report: InspectionReport): ApprovalInspection => ({
  verdict: report.verdict,
  headline: inspectionHeadline(report),
  findings: report.findings.map((f) => {
    const more = f.count > f.objects.length ? ` and ${f.count - f.objects.length} more` : '';
    return {
      rule: f.rule,
      severity: f.severity,
      line: `${f.severity.toUpperCase()} [${f.rule}] ${f.title}: ${f.objects.slice(0, 5).map(describeObject).join(', ')}${f.count > 5 ? ` and ${f.count - 5} more` : more}; fix: ${f.fix}`,
      ...(f.waiver ? { waiver: f.waiver } : {}),
    };
  }),
  waivers: report.waivers,
});

/** Text lines for approval messages (e-mail, Slack, page). */
export const approvalInspectionLines = (a: ApprovalInspection): string[] => [
  ...a.findings.map((f) => (f.waiver ? `${f.line} (WAIVED by ${f.waiver.by}: ${f.waiver.reason})` : f.line)),
  ...a.waivers
    .filter((w) => !w.used)
    .map((w) => `waiver of ${w.rule} by ${w.by} (${w.reason}): nothing to waive`),
];
