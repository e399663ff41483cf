/** ApplyMigrations: the release's expand (then contract) migrations on blue, before green exists. */

import { type Gateways, migrationsGateway, systemClock } from '#aws/gateways';
import { ApplyMigrationsInput } from '#domain/contracts';
import { ContractViolationError } from '#domain/errors';
import { ExecutionInput } from '#domain/input';
import { applyMigrations } from '#lib/apply-migrations';
import { parseMigrationStatements } from '#lib/migration-statements';
import { taskHandler } from '#lib/task-handler';

/** The function's timeout is 900 s (serverless.yml); stop starting statements 60 s before it. */
export const APPLY_BUDGET_MS = 840_000;

export const makeApplyMigrationsHandler = (
  gw: Pick<Gateways, 'migrations' | 'clock'>,
  budgetMs = APPLY_BUDGET_MS,
) =>
  taskHandler(ApplyMigrationsInput, async ({ input, executionId, database, lockAttempts }) => {
    const parsed = ExecutionInput.shape.migrations.safeParse((input as { migrations?: unknown })?.migrations);
    if (!parsed.success)
      throw new ContractViolationError(`migrations do not match the input schema: ${parsed.error.message}`);
    const m = parsed.data;
    const now = () => gw.clock().getTime();
    if (m && m.engine !== 'postgres' && m.expand.length + m.contract.length > 0)
      return refusal(
        now,
        lockAttempts,
        `migrations.engine ${m.engine}: the pipeline applies PostgreSQL migrations only`,
      );
    const statements = m
      ? [
          ...(await parseMigrationStatements('expand', m.expand)),
          ...(await parseMigrationStatements('contract', m.contract)),
        ]
      : [];
    if (statements.length > 0 && !database)
      return refusal(
        now,
        lockAttempts,
        'database: is required to apply migrations (name, user, passwordParameter)',
      );
    return applyMigrations({
      executionId,
      statements,
      lockAttempts,
      policy: {
        lockRetries: m?.lockRetries ?? 0,
        lockRetrySeconds: m?.lockRetrySeconds ?? 10,
        statementTimeoutMs: (m?.statementTimeoutSeconds ?? 300) * 1000,
      },
      budgetMs,
      now,
      openSession: () =>
        gw.migrations.open(database!, {
          lockTimeoutMs: (m?.lockTimeoutSeconds ?? 5) * 1000,
          statementTimeoutMs: (m?.statementTimeoutSeconds ?? 300) * 1000,
        }),
    });
  });

const refusal = (now: () => number, lockAttempts: number, error: string) => ({
  verdict: 'failed' as const,
  lockAttempts,
  retryInSeconds: 0,
  total: 0,
  applied: 0,
  units: [],
  failure: { source: 'migrations', excerpt: '', error, sqlState: null },
  noUndo: 'nothing was applied on blue, so nothing needs undoing.',
  checkedAt: new Date(now()).toISOString(),
});

export const handler = makeApplyMigrationsHandler({ migrations: migrationsGateway(), clock: systemClock });
