/**
 * Splits a release's migrations into statements with the gate's own PostgreSQL parser (libpg-query), so
 * ApplyMigrations runs exactly the statements Preflight linted, dollar quotes and all, and knows which
 * ones PostgreSQL refuses inside a transaction block.
 */
import type { MigrationStatement, StatementKind } from '#domain/migrations';
import { loadPostgresParser, type PgStatement, splitPostgres } from '#gate/split-postgres';

type AstNode = Record<string, Record<string, unknown>>;

const nodeType = (node: unknown): string => Object.keys((node ?? {}) as object)[0] ?? '';

/** What running the statement needs; see StatementKind. */
const kindOf = (stmt: PgStatement): StatementKind => {
  if (stmt.error || !stmt.node) return { kind: 'unparseable', error: stmt.error ?? 'no statement' };
  const node = stmt.node as unknown as AstNode;
  const type = nodeType(node);
  const body = node[type] ?? {};
  if (type === 'TransactionStmt') {
    const kind = String(body.kind);
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') return { kind: 'begin' };
    if (kind === 'TRANS_STMT_COMMIT') return { kind: 'commit' };
    return { kind: 'transaction-control', detail: kind.replace('TRANS_STMT_', '') };
  }
  if (type === 'VariableSetStmt' && body.is_local !== true) return { kind: 'session' };
  if (type === 'IndexStmt' && body.concurrent === true) {
    const relation = (body.relation ?? {}) as { schemaname?: string };
    return typeof body.idxname === 'string'
      ? {
          kind: 'non-transactional',
          check: { kind: 'index-created', name: body.idxname, schema: relation.schemaname ?? null },
        }
      : { kind: 'non-transactional', check: null };
  }
  if (type === 'DropStmt' && body.concurrent === true && body.removeType === 'OBJECT_INDEX') {
    const objects = (body.objects ?? []) as Array<{
      List?: { items?: Array<{ String?: { sval?: string } }> };
    }>;
    const names = (objects[0]?.List?.items ?? []).map((i) => i.String?.sval ?? '');
    const name = names.at(-1) ?? '';
    return objects.length === 1 && name
      ? {
          kind: 'non-transactional',
          check: { kind: 'index-dropped', name, schema: names.length > 1 ? (names.at(-2) ?? null) : null },
        }
      : { kind: 'non-transactional', check: null };
  }
  // Re-running these is harmless, so an interrupted attempt is simply run again.
  if (type === 'ReindexStmt' || type === 'VacuumStmt') return { kind: 'non-transactional', check: 'rerun' };
  if (
    ['CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt'].includes(
      type,
    ) ||
    JSON.stringify(body).includes('"concurrent":true')
  )
    return { kind: 'non-transactional', check: null };
  return { kind: 'plain' };
};

/** The statements of one phase, in order, each with where it came from and how it must run. */
export const parseMigrationStatements = async (
  phase: 'expand' | 'contract',
  files: string[],
): Promise<MigrationStatement[]> => {
  await loadPostgresParser();
  return files.flatMap((sql, fileIndex) =>
    splitPostgres(`migrations.${phase}[${fileIndex}]`, sql).map((stmt) => ({
      phase,
      source: `${stmt.file} line ${stmt.line}`,
      sql: stmt.text,
      ...kindOf(stmt),
    })),
  );
};
