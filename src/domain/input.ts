/**
 * The execution input: one JSON document, validated once at Preflight. The schema also types the code.
 * Unknown fields are errors; every problem is reported at once, each naming its field and the fix.
 */
import { z } from 'zod';
import { historyBudgetProblem, MAX_INPUT_BYTES, MAX_STATEMENT_BYTES, utf8Bytes } from './budget.ts';
import { HooksInput } from './hooks.ts';
import { waiverRuleProblem } from './inspection/index.ts';
import { MAX_RECREATES } from './recreate.ts';
import { valueAt } from './value-at.ts';

const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const RDS_IDENTIFIER = /^[a-zA-Z](?:-?[a-zA-Z0-9]+)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLACK_USER = /^slack:[UW][A-Z0-9]{2,}$/;
const DAY_MINUTES = 24 * 60;

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const minutes = (max: number, fallback: number) => z.number().positive().max(max).default(fallback);

export const ExecutionInput = z
  .strictObject({
    source: z.strictObject({
      dbInstanceIdentifier: z
        .string()
        .max(63)
        .regex(
          RDS_IDENTIFIER,
          'must be an RDS instance identifier: a letter, then letters, digits, single hyphens',
        ),
    }),
    target: z
      .strictObject({
        engineVersion: z
          .string()
          .regex(/^\d+(\.\d+){0,2}$/, 'must be an engine version such as "18.4"')
          .optional(),
        dbParameterGroupName: z.string().min(1).max(255).optional(),
        dbInstanceClass: z
          .string()
          .regex(/^db\.[0-9a-z]{2,6}\.[0-9a-z]{4,9}$/, 'must be an instance class such as "db.r7g.large"')
          .optional(),
      })
      .refine((t) => t.engineVersion || t.dbParameterGroupName || t.dbInstanceClass, {
        message:
          'set at least one of engineVersion, dbParameterGroupName, dbInstanceClass: nothing would change',
      }),
    release: z.string().min(1).max(128).optional(),
    migrations: z
      .strictObject({
        // The SQL dialect of the statements: "mysql" for RDS for MySQL and MariaDB sources alike.
        engine: z
          .enum(['postgres', 'mysql'], {
            error: 'must be "postgres" or "mysql" (use "mysql" for a MySQL or MariaDB source)',
          })
          .default('postgres'),
        expand: z.array(z.string().min(1, 'must not be empty')).default([]),
        contract: z.array(z.string().min(1, 'must not be empty')).default([]),
        // How ApplyMigrations runs them on blue (src/domain/migrations.ts). A statement must finish inside
        // one Lambda invocation (900 s), hence the statement timeout's ceiling.
        lockTimeoutSeconds: z.number().positive().max(60).default(5),
        statementTimeoutSeconds: z.number().positive().max(600).default(300),
        lockRetries: z.number().int().min(0).max(20).default(5),
        lockRetrySeconds: z.number().int().min(1).max(300).default(10),
      })
      .optional(),
    guards: z
      .strictObject({
        // DDL on blue from CreateGreen until the switch completes is always logged; true also refuses it.
        ddlFreeze: z.boolean().default(false),
      })
      .prefault({}),
    lag: z
      .strictObject({
        maxSeconds: z.number().positive().max(3600).default(5),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024 * 1024),
        stableSamples: z.number().int().min(1).max(100).default(3),
        pollSeconds: z.number().int().min(1).max(3600).default(30),
        deadlineMinutes: minutes(7 * DAY_MINUTES, 60),
      })
      .prefault({}),
    green: z
      .strictObject({
        readyDeadlineMinutes: minutes(7 * DAY_MINUTES, 360),
        pollSeconds: z.number().int().min(1).max(3600).default(60),
        smokeSql: z.array(z.string().min(1)).default([]),
        // Built-in steps on green before the approval (src/domain/green-maintenance.ts, README "Green maintenance").
        analyze: z
          .enum(['auto', 'always', 'off'], {
            error: 'must be "auto" (ANALYZE after a PostgreSQL major-version upgrade), "always" or "off"',
          })
          .default('auto'),
        refreshMaterializedViews: z.boolean().default(false),
        // one round inside one Lambda invocation (900 s), with room for the last statement to end
        maintenanceTimeBudgetSeconds: z.number().int().min(10).max(780).default(300),
        maintenanceDeadlineMinutes: minutes(DAY_MINUTES, 120),
        analyzeJobs: z.number().int().min(1).max(8).default(2),
        /** on a broken replication window, delete green and build a new one instead of rolling back (src/domain/recreate.ts) */
        recreateOnDegraded: z.boolean().default(false),
        /** how many times (default 1 with recreateOnDegraded) */
        maxRecreates: z.number().int().min(1).max(MAX_RECREATES).optional(),
      })
      .prefault({}),
    /** thresholds on clients (src/domain/client-thresholds.ts); each needs `database` */
    clients: z
      .strictObject({
        maxConnections: z.number().int().min(0).optional(),
        maxTransactionSeconds: z.number().int().min(0).optional(),
        maxOldBlueSessions: z.number().int().min(0).optional(),
      })
      .prefault({}),
    window: z
      .strictObject({
        days: z.array(z.enum(DAYS)).min(1, 'name at least one day'),
        start: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
        end: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
        timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "UTC" or "Europe/Paris"'),
      })
      .optional(),
    approval: z
      .strictObject({
        required: z.boolean().default(true),
        approvers: z
          .array(
            z
              .string()
              .refine(
                (a) => EMAIL.test(a) || SLACK_USER.test(a),
                'must be an e-mail address or a Slack user id written "slack:U0123ABCD"',
              ),
          )
          .default([]),
        timeoutMinutes: minutes(365 * DAY_MINUTES, 1440),
      })
      .prefault({}),
    switchover: z
      .strictObject({
        timeoutSeconds: z.number().int().min(30).max(3600).default(300),
        pollSeconds: z.number().int().min(1).max(60).default(5),
      })
      .prefault({}),
    verify: z
      .strictObject({
        bakeMinutes: z.number().min(0).max(DAY_MINUTES).default(15),
        pollSeconds: z.number().int().min(1).max(3600).default(60),
        alarmNames: z.array(z.string().min(1)).default([]),
        smokeSql: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    database: z
      .strictObject({
        name: z.string().min(1),
        user: z.string().min(1),
        passwordParameter: z.string().startsWith('/', 'must be an SSM parameter name starting with "/"'),
      })
      .optional(),
    /**
     * Blue against green before approval and right before the switch (README, "Data validation").
     * mode defaults to checksums when `database` is given, off otherwise.
     */
    validation: z
      .strictObject({
        mode: z.enum(['counts', 'checksums', 'off']).optional(),
        // size cap: tables (in name order) are compared while their heap sizes add up to at most this
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(50 * 1024 ** 3),
        // one round runs inside one Lambda invocation (900 s) with room to connect and answer
        timeBudgetSeconds: z.number().int().min(10).max(780).default(300),
        chunkRows: z.number().int().min(100).max(10_000_000).default(100_000),
        rechecks: z.number().int().min(1).max(10).default(3),
      })
      .prefault({}),
    /** The user's own steps at five points of the run (src/domain/hooks.ts; README, "Hooks"). */
    hooks: HooksInput.optional(),
    /** Findings of the data-plane inspection a person accepts (see README, "Waivers"). */
    waivers: z
      .array(
        z.strictObject({
          rule: z.string().min(1, 'name the rule id, e.g. "PG-MATERIALIZED-VIEWS"'),
          reason: z.string().min(1, 'say why the finding is acceptable'),
          by: z.string().min(1, 'name who accepts it'),
        }),
      )
      .default([]),
    /**
     * Reverse replication after the switch (docs/reverse-replication.md) and the fail-back a person may
     * start during the rollback window (docs/fail-back.md).
     */
    failBack: z
      .strictObject({
        // absent: on where the engine and green's parameters allow it, else off with the reason
        enabled: z.boolean().optional(),
        // writes stay blocked on the new primary while old blue catches up: an outage, bounded here
        catchUpDeadlineSeconds: z.number().int().min(10).max(3600).default(120),
        pollSeconds: z.number().int().min(1).max(60).default(5),
        // RDS: a renamed instance is unavailable until its new DNS name is effective, "in about 10 minutes"
        renamePollSeconds: z.number().int().min(1).max(300).default(60),
      })
      .prefault({}),
    retention: z
      .strictObject({
        keepOldBlueHours: z
          .number()
          .min(0)
          .max(30 * 24)
          .default(72),
        finalSnapshot: z
          .literal(true, { error: 'must be true: old blue is never deleted without a final snapshot' })
          .default(true),
      })
      .prefault({}),
  })
  .superRefine((input, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (input.window && input.window.start === input.window.end) {
      problem(['window', 'end'], 'must differ from window.start: a window of zero length never opens');
    }
    if (input.window && new Set(input.window.days).size !== input.window.days.length) {
      problem(['window', 'days'], 'lists a day twice');
    }
    if (input.approval.required && input.approval.approvers.length === 0) {
      problem(['approval', 'approvers'], 'name at least one approver, or set approval.required to false');
    }
    const lagWindowSeconds = input.lag.deadlineMinutes * 60;
    if (input.lag.stableSamples * input.lag.pollSeconds > lagWindowSeconds) {
      problem(
        ['lag', 'deadlineMinutes'],
        `is shorter than stableSamples × pollSeconds (${input.lag.stableSamples * input.lag.pollSeconds} s): lag could never be judged converged`,
      );
    }
    if (input.green.pollSeconds > input.green.readyDeadlineMinutes * 60) {
      problem(
        ['green', 'pollSeconds'],
        'is longer than green.readyDeadlineMinutes: green would never be checked',
      );
    }
    for (const field of ['maxConnections', 'maxTransactionSeconds', 'maxOldBlueSessions'] as const) {
      if (input.clients[field] !== undefined && !input.database)
        problem(
          ['clients', field],
          'needs `database` (name, user, passwordParameter): clients are counted over SQL',
        );
    }
    if (input.green.maxRecreates !== undefined && !input.green.recreateOnDegraded) {
      problem(
        ['green', 'maxRecreates'],
        'has no effect without green.recreateOnDegraded: set green.recreateOnDegraded to true, or remove maxRecreates',
      );
    }
    input.waivers.forEach((w, i) => {
      const wrong = waiverRuleProblem(w.rule);
      if (wrong) problem(['waivers', i, 'rule'], wrong);
    });
    const smoke = input.green.smokeSql.length + input.verify.smokeSql.length;
    if (smoke > 0 && !input.database) {
      problem(
        ['database'],
        'is required when green.smokeSql or verify.smokeSql is set (name, user, passwordParameter)',
      );
    }
    const migrationCount = (input.migrations?.expand.length ?? 0) + (input.migrations?.contract.length ?? 0);
    if (migrationCount > 0 && !input.database) {
      problem(
        ['database'],
        'is required when migrations are given: the pipeline applies them on blue with these credentials (name, user, passwordParameter)',
      );
    }
    if (input.validation.mode && input.validation.mode !== 'off' && !input.database) {
      problem(
        ['database'],
        `is required when validation.mode is ${input.validation.mode}: blue and green are read with these credentials (name, user, passwordParameter); or set validation.mode to "off"`,
      );
    }
    if ((input.green.analyze === 'always' || input.green.refreshMaterializedViews) && !input.database) {
      problem(
        ['database'],
        `is required when ${input.green.analyze === 'always' ? 'green.analyze is "always"' : 'green.refreshMaterializedViews is true'}: green is maintained with these credentials (name, user, passwordParameter)`,
      );
    }
    if (input.green.maintenanceTimeBudgetSeconds > input.green.maintenanceDeadlineMinutes * 60) {
      problem(
        ['green', 'maintenanceDeadlineMinutes'],
        'is shorter than green.maintenanceTimeBudgetSeconds: not one full round would fit',
      );
    }
    if (input.guards.ddlFreeze && !input.database) {
      problem(
        ['database'],
        'is required when guards.ddlFreeze is true: the freeze is installed on blue with these credentials (name, user, passwordParameter)',
      );
    }
    // Budgets (src/domain/budget.ts): the execution history and the 256 KiB state.
    const budget = historyBudgetProblem(input);
    if (budget) problem(budget.field.split('.'), budget.message);
    const statementLists: Array<[string, string[]]> = [
      ['migrations.expand', input.migrations?.expand ?? []],
      ['migrations.contract', input.migrations?.contract ?? []],
      ['green.smokeSql', input.green.smokeSql],
      ['verify.smokeSql', input.verify.smokeSql],
    ];
    for (const [field, statements] of statementLists) {
      statements.forEach((sql, i) => {
        const bytes = utf8Bytes(sql);
        if (bytes > MAX_STATEMENT_BYTES)
          problem(
            [...field.split('.'), i],
            `is ${bytes} bytes; one statement may be at most ${MAX_STATEMENT_BYTES} (split it, or apply it outside Switchyard)`,
          );
      });
    }
    const total = utf8Bytes(JSON.stringify(input));
    if (total > MAX_INPUT_BYTES)
      problem(
        [],
        `is ${total} bytes; the document may be at most ${MAX_INPUT_BYTES} (Step Functions caps the run's state at 256 KiB and the state carries it several times)`,
      );
  });

export type ExecutionInput = z.output<typeof ExecutionInput>;
export type RawExecutionInput = z.input<typeof ExecutionInput>;

export type InputVerdict = { ok: true; input: ExecutionInput } | { ok: false; problems: string[] };

const fieldName = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? 'input'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replaceAll('.[', '[');

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** Validates the raw execution input and returns every problem, each naming the field and the fix. */
export const validateExecutionInput = (raw: unknown): InputVerdict => {
  const parsed = ExecutionInput.safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${fieldName(issue.path)}.` : '';
      return issue.keys
        .map(
          (k) =>
            `${where}${k}: unknown field; remove it or check its spelling (see README, "The input document")`,
        )
        .join('\n');
    }
    if (issue.code === 'invalid_type') {
      const given = valueAt(raw, issue.path);
      return given === undefined
        ? `${fieldName(issue.path)}: is required`
        : `${fieldName(issue.path)}: must be ${article(issue.expected)}, not ${JSON.stringify(given)}`;
    }
    return `${fieldName(issue.path)}: ${issue.message}`;
  });
  return { ok: false, problems: problems.flatMap((p) => p.split('\n')) };
};
