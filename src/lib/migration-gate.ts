/**
 * The expand/contract gate as Preflight sees it. The gate itself lives in src/gate (libpg-query on
 * the AST; squawk is off inside Lambda, where its binary is absent).
 */
import type { Replication } from '#domain/engine';
import { type StatementRef, statementRefs } from '#domain/sql-refs';

export type GateVerdict = 'pass' | 'warn' | 'fail' | 'none';

export interface GateFinding {
  rule: string;
  severity: 'error' | 'warning' | 'approval';
  classes: string[];
  file: string;
  line: number;
  statement: string;
  why: string;
  recipe: string;
}

export interface GateSummary {
  verdict: GateVerdict;
  summary: string;
  /** References, not text: the text stays in the input document (src/domain/sql-refs.ts). */
  statements: StatementRef[];
  /** Without the statement text: `file` (e.g. "migrations.expand[0]") and `line` locate it in the input. */
  findings: Array<Omit<GateFinding, 'statement'>>;
}

export interface GateRunner {
  lint(req: {
    engine: 'postgres' | 'mysql';
    phase: 'expand' | 'contract';
    sources: Array<{ name: string; sql: string }>;
    replication: Replication;
  }): Promise<{ verdict: 'pass' | 'warn' | 'fail'; findings: GateFinding[]; summary: string }>;
  contractWindow(
    openWindows: Array<{ instanceId: string; retainUntil: string }>,
    now: Date,
  ): { allowed: boolean; until?: string; message: string };
}

export const NO_MIGRATIONS: GateSummary = {
  verdict: 'none',
  summary: 'no migrations in this release',
  statements: [],
  findings: [],
};

export interface MigrationSet {
  engine: 'postgres' | 'mysql';
  expand: string[];
  contract: string[];
}

export interface MigrationCheck {
  summary: GateSummary;
  /** error and approval findings: each refuses the run */
  problems: string[];
  warnings: string[];
}

const PHASES = ['expand', 'contract'] as const;

/** One line per finding, as it appears in the refusal and the notification. */
export const findingLine = (f: GateFinding): string =>
  `${f.file}:${f.line} ${f.rule} [${f.classes.join(', ')}] ${f.why} Recipe: ${f.recipe}`;

/** Lints each non-empty phase of a release's migrations and folds the reports into one verdict. */
export const checkMigrations = async (
  gate: GateRunner,
  migrations: MigrationSet | undefined,
  replication: Replication,
): Promise<MigrationCheck> => {
  const phases = PHASES.map((phase) => ({ phase, sql: migrations?.[phase] ?? [] })).filter(
    (p) => p.sql.length > 0,
  );
  if (!migrations || phases.length === 0) return { summary: NO_MIGRATIONS, problems: [], warnings: [] };
  const reports = await Promise.all(
    phases.map(({ phase, sql }) =>
      gate.lint({
        engine: migrations.engine,
        phase,
        sources: sql.map((text, i) => ({ name: `migrations.${phase}[${i}]`, sql: text })),
        replication,
      }),
    ),
  );
  const findings = reports.flatMap((r) => r.findings);
  const verdict = reports.some((r) => r.verdict === 'fail')
    ? 'fail'
    : reports.some((r) => r.verdict === 'warn')
      ? 'warn'
      : 'pass';
  return {
    summary: {
      verdict,
      summary: reports.map((r, i) => `${phases[i]!.phase}: ${r.summary}`).join('; '),
      statements: statementRefs(migrations),
      // The state carries each statement's text once per copy of it; findings point at it instead.
      findings: findings.map(({ statement: _text, ...finding }) => finding),
    },
    // With logical replication the gate itself warns that DDL on blue degrades replication (G-BG-BLUE-DDL).
    problems: findings.filter((f) => f.severity !== 'warning').map(findingLine),
    warnings: findings.filter((f) => f.severity === 'warning').map(findingLine),
  };
};

/** The migrations of a document that failed validation, as far as their shape can be trusted. */
export const readRawMigrations = (raw: unknown): MigrationSet | undefined => {
  const m = (raw as { migrations?: Record<string, unknown> } | null)?.migrations;
  if (!m || typeof m !== 'object') return undefined;
  const statements = (value: unknown): string[] =>
    Array.isArray(value) && value.every((s) => typeof s === 'string' && s.length > 0) ? value : [];
  return {
    engine: m.engine === 'mysql' ? 'mysql' : 'postgres',
    expand: statements(m.expand),
    contract: statements(m.contract),
  };
};
