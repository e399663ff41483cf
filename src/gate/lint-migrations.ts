/** The gate's entry point: classify every statement of every source, add squawk's view, decide the verdict. */
import { addReplicationHits } from './add-replication-hits.ts';
import { classifyMysql, isMysqlDdl, observeMysql, startMysqlFile } from './classify-mysql.ts';
import { classifyPostgres, isPgDdl, observePostgres, startFile } from './classify-postgres.ts';
import { decideFinding } from './decide-finding.ts';
import { type AnalysedStatement, mergeSquawk } from './merge-squawk.ts';
import { relationName } from './read-pg-ast.ts';
import { findSquawk, runSquawk } from './run-squawk.ts';
import { emptySchema } from './schema-model.ts';
import { splitMysql } from './split-mysql.ts';
import { loadPostgresParser, type PgStatement, splitPostgres } from './split-postgres.ts';
import type { Finding, GateReport, LintInput, MigrationSource } from './types.ts';

const analysePostgres = async (
  sources: MigrationSource[],
  known: MigrationSource[],
): Promise<AnalysedStatement[][]> => {
  await loadPostgresParser();
  const files = sources.map((s) => splitPostgres(s.name, s.sql));
  // A view created anywhere in the run keeps a renamed table's old name alive (Atlas BC101 exemption).
  const views = new Set(
    files
      .flat()
      .flatMap((s: PgStatement) =>
        s.node && 'ViewStmt' in s.node ? [relationName(s.node.ViewStmt.view)] : [],
      ),
  );
  const schema = emptySchema(views);
  for (const source of known) {
    let ctx = startFile(schema);
    for (const stmt of splitPostgres(source.name, source.sql)) ctx = observePostgres(stmt, ctx, []);
  }
  // Tables of the existing schema hold data and serve the old application: they are not "new in this run".
  schema.createdTables.clear();
  return files.map((statements) => {
    let ctx = startFile(schema);
    return statements.map((stmt) => {
      const hits = classifyPostgres(stmt, ctx);
      ctx = observePostgres(stmt, ctx, hits);
      return { stmt, hits, isDdl: stmt.node ? isPgDdl(stmt.node) : true };
    });
  });
};

const analyseMysql = (sources: MigrationSource[], known: MigrationSource[]): AnalysedStatement[][] => {
  const files = sources.map((s) => splitMysql(s.name, s.sql));
  const views = new Set(
    files.flat().flatMap((s) => {
      const view =
        s.ast?.type === 'create' && s.ast.keyword === 'view'
          ? (s.ast.view as { view?: string } | undefined)?.view
          : undefined;
      return view ? [view.toLowerCase()] : [];
    }),
  );
  const schema = emptySchema(views);
  for (const source of known) {
    let ctx = startMysqlFile(schema);
    for (const stmt of splitMysql(source.name, source.sql)) ctx = observeMysql(stmt, ctx, []);
  }
  schema.createdTables.clear();
  return files.map((statements) => {
    let ctx = startMysqlFile(schema);
    return statements.map((stmt) => {
      const hits = classifyMysql(stmt, ctx);
      ctx = observeMysql(stmt, ctx, hits);
      return { stmt, hits, isDdl: isMysqlDdl(stmt) };
    });
  });
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "1 error, 2 warnings in 3 statements", plus a note when lock rules came from the Switchyard classifier only. */
export const summarize = (
  findings: Finding[],
  statements: number,
  squawk: GateReport['squawk'],
  engine: LintInput['engine'],
): string => {
  const count = (severity: Finding['severity']): number =>
    findings.filter((f) => f.severity === severity).length;
  const parts = [plural(count('error'), 'error'), plural(count('warning'), 'warning')];
  if (count('approval') > 0) parts.push(`${count('approval')} needing approval`);
  const note =
    engine === 'postgres' && squawk !== 'used'
      ? `; lock rules from the Switchyard classifier only (squawk ${squawk === 'off' ? 'off' : 'not found'})`
      : '';
  return `${parts.join(', ')} in ${plural(statements, 'statement')}${note}`;
};

/** Lints the migration sources for one engine and phase; the verdict fails on any error or approval-needed finding. */
export const lintMigrations = async (input: LintInput): Promise<GateReport> => {
  const replication = input.replication ?? 'none';
  const analysed = (
    input.engine === 'postgres'
      ? await analysePostgres(input.sources, input.schema ?? [])
      : analyseMysql(input.sources, input.schema ?? [])
  ).map((file) => {
    const first = file.find((a) => a.isDdl);
    const ddlCount = file.filter((a) => a.isDdl).length;
    return file.map((a) => ({
      ...a,
      hits: addReplicationHits(a.hits, {
        engine: input.engine,
        replication,
        ...(a === first ? { firstDdlOfFile: { ddlCount } } : {}),
      }),
    }));
  });
  const own = analysed
    .flat()
    .flatMap((a) => a.hits.flatMap((h) => decideFinding(a.stmt, h, input.phase) ?? []));
  const binary = input.engine === 'postgres' && input.squawk !== 'off' ? findSquawk() : undefined;
  const squawk: GateReport['squawk'] =
    input.engine !== 'postgres' || input.squawk === 'off' ? 'off' : binary ? 'used' : 'unavailable';
  const findings = binary
    ? mergeSquawk({
        sources: input.sources,
        analysed,
        violations: await runSquawk(binary, input.sources),
        own,
      })
    : own;
  const order = new Map(input.sources.map((s, i) => [s.name, i]));
  findings.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line);
  const statements = analysed.flat().length;
  const failing = findings.some((f) => f.severity === 'error' || f.severity === 'approval');
  return {
    engine: input.engine,
    phase: input.phase,
    verdict: failing ? 'fail' : findings.length > 0 ? 'warn' : 'pass',
    findings,
    statements,
    squawk,
    summary: summarize(findings, statements, squawk, input.engine),
  };
};
