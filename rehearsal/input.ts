/**
 * The execution input the rehearsal starts the state machine with (`switchyard rehearse --print-input`).
 *
 * Time scale: the rehearsal keeps every loop, deadline and timeout of the state machine and only
 * shortens the values in the input document, so a run that takes hours in AWS takes seconds here:
 *
 * | input field                  | production default | rehearsal          |
 * |------------------------------|--------------------|--------------------|
 * | green.pollSeconds            | 60                 | 1                  |
 * | green.readyDeadlineMinutes   | 360                | 3 (4 s in green-deadline) |
 * | lag.pollSeconds              | 30                 | 1                  |
 * | lag.deadlineMinutes          | 60                 | 2 (6 s in lag-stall) |
 * | approval.timeoutMinutes      | 1440               | 10 (3 s in approval-timeout) |
 * | switchover.timeoutSeconds    | 300                | 60 (RDS minimum is 30) |
 * | switchover.pollSeconds       | 5                  | 1                  |
 * | verify.bakeMinutes           | 15                 | 0.05 (3 s)         |
 * | verify.pollSeconds           | 60                 | 1                  |
 * | retention.keepOldBlueHours   | 72                 | 3 s (0.000833 h); 600 s in fail-back |
 * | failBack.pollSeconds         | 5                  | 1 (fail-back)      |
 * | failBack.renamePollSeconds   | 60                 | 8 (fail-back: the history budget) |
 * | failBack.catchUpDeadlineSeconds | 120             | 30 (fail-back)     |
 */
import type { RawExecutionInput } from '#domain/input';
import { type ScenarioName, VERIFY_ALARM } from './scenarios.ts';

export const SOURCE_ID = 'orders-db';
export const TARGET_PARAMETER_GROUP = 'orders-pg18';
export const APPROVER = 'dba@example.com';
/** The SSM parameter holding orders-db's master password (put into the emulator by the rehearsal). */
export const DB_PASSWORD_PARAMETER = '/switchyard/rehearsal/orders-db/master-password';
/** The table the write load inserts into; created on blue before the run. */
export const WRITES_TABLE = 'rehearsal_writes';

export interface InputContext {
  /**
   * The target version: for PostgreSQL the 18.x the emulator offers as a major upgrade of orders-db
   * (e.g. "18.4"); for MariaDB and the MySQL stand-in the next minor (10.11.20, 8.0.42), which runs on
   * the same MariaDB binary: one binary means a minor-version change is what can really be rehearsed.
   */
  targetEngineVersion: string;
  /** orders-db's engine (default postgres). */
  engine?: 'postgres' | 'mariadb' | 'mysql';
  /** Blue holds the user's schema (`--schema`), not `orders`: nothing in the input may name `orders`. */
  userSchema?: boolean;
  /** `--input`: the user's document already mapped onto the emulator (input-mapping.ts), used instead of the built-in one. */
  base?: Record<string, unknown>;
}

/** Green's parameter group on the MySQL family (emulator seed): on MariaDB a group of its own, as a fail-back needs. */
const MYSQL_FAMILY = {
  mariadb: { parameterGroup: 'orders-mariadb-green' },
  mysql: { parameterGroup: 'orders-mysql80' },
} as const;

/** `s` seconds in the input's unit, rounded down a hair so the plan's Math.ceil(x × 60 or 3600) is exactly `s`. */
const seconds = (s: number, unit: 'minutes' | 'hours'): number =>
  Math.floor((s / (unit === 'minutes' ? 60 : 3600)) * 1e6) / 1e6;

/** The rehearsal's input document for a scenario. Unknown-field and gate failures are deliberate in bad-input. */
export const rehearsalInput = (
  scenario: ScenarioName,
  ctx: InputContext,
): RawExecutionInput & Record<string, unknown> => {
  const builtIn: RawExecutionInput & Record<string, unknown> = {
    source: { dbInstanceIdentifier: SOURCE_ID },
    target: { engineVersion: ctx.targetEngineVersion, dbParameterGroupName: TARGET_PARAMETER_GROUP },
    release: `rehearsal-${scenario}`,
    migrations: { engine: 'postgres', expand: ['ALTER TABLE orders ADD COLUMN order_state_v2 text;'] },
    lag: { maxSeconds: 5, maxBytes: 1_000_000, stableSamples: 3, pollSeconds: 1, deadlineMinutes: 2 },
    green: { readyDeadlineMinutes: 3, pollSeconds: 1, smokeSql: ['SELECT count(*) FROM orders'] },
    approval: { required: true, approvers: [APPROVER], timeoutMinutes: 10 },
    switchover: { timeoutSeconds: 60, pollSeconds: 1 },
    verify: {
      bakeMinutes: seconds(3, 'minutes'),
      pollSeconds: 1,
      alarmNames: [VERIFY_ALARM],
      smokeSql: [`SELECT count(*) FROM ${WRITES_TABLE}`, 'SELECT 1'],
    },
    database: { name: 'postgres', user: 'postgres', passwordParameter: DB_PASSWORD_PARAMETER },
    retention: { keepOldBlueHours: seconds(3, 'hours'), finalSnapshot: true },
  };
  const engine = ctx.engine ?? 'postgres';
  if (engine !== 'postgres') {
    // Same document in MySQL's terms: a minor upgrade in the same parameter group, MySQL-dialect
    // migrations, database `orders` and master user `admin` (the emulator's MySQL-family seed).
    builtIn.target = {
      engineVersion: ctx.targetEngineVersion,
      dbParameterGroupName: MYSQL_FAMILY[engine].parameterGroup,
    };
    // No expand statements: the pipeline applies migrations on PostgreSQL only (ApplyMigrations stops
    // a MySQL-family run that has some); the gate still lints them (bad-input).
    builtIn.migrations = { engine: 'mysql', expand: [] };
    builtIn.database = { name: 'orders', user: 'admin', passwordParameter: DB_PASSWORD_PARAMETER };
  }
  const input = ctx.base
    ? (structuredClone(ctx.base) as RawExecutionInput & Record<string, unknown>)
    : builtIn;
  switch (scenario) {
    case 'approval-timeout':
      input.approval = {
        ...input.approval,
        required: true,
        approvers: [APPROVER],
        timeoutMinutes: seconds(3, 'minutes'),
      };
      break;
    case 'green-deadline':
      input.green = {
        smokeSql: ['SELECT count(*) FROM orders'],
        ...input.green,
        readyDeadlineMinutes: seconds(4, 'minutes'),
        pollSeconds: 1,
      };
      break;
    case 'lag-stall':
      // A stalled subscription falls behind by the write load's WAL (tens of KB a second).
      input.lag = {
        ...input.lag,
        maxSeconds: 5,
        maxBytes: 16_384,
        stableSamples: 3,
        pollSeconds: 1,
        deadlineMinutes: seconds(6, 'minutes'),
      };
      break;
    case 'migration-fails':
      // Passes the gate (a NOT VALID foreign key is an expand warning) but fails on blue: no suppliers table.
      input.migrations = {
        engine: 'postgres',
        expand: [
          'ALTER TABLE orders ADD COLUMN supplier_id bigint;\nALTER TABLE orders ADD CONSTRAINT orders_supplier_fk FOREIGN KEY (supplier_id) REFERENCES suppliers (id) NOT VALID;',
        ],
      };
      break;
    case 'ddl-during-replication-recreate':
      // A rebuild runs the readiness, maintenance and lag loops twice: 3 s green polls keep 1 s lag polls in the history budget.
      input.green = { ...input.green, pollSeconds: 3, recreateOnDegraded: true, maxRecreates: 1 };
      break;
    case 'fail-back':
      // The rollback window must outlast the approver's click and the fail-back (two renames, 1 s polls).
      input.retention = { ...input.retention, keepOldBlueHours: seconds(600, 'hours') };
      // 8 s rename polls: the rename loops (and MariaDB's reboot wait) are budgeted at their fixed 20 min
      // deadline (at most 360 polls each), so with the rehearsal's 1 s loops elsewhere 7 s or less exceeds
      // the history budget and Preflight refuses. A rename or reboot not done at its first check costs one.
      input.failBack = { enabled: true, catchUpDeadlineSeconds: 30, pollSeconds: 1, renamePollSeconds: 8 };
      break;
    case 'bad-input':
      input.maintenanceWindow = 'tonight';
      input.migrations = {
        engine: engine === 'postgres' ? 'postgres' : 'mysql',
        expand: ['ALTER TABLE orders DROP COLUMN legacy_status;'],
      };
      break;
    default:
      break;
  }
  if (ctx.userSchema && !ctx.base && scenario !== 'bad-input') {
    // The user's schema has no `orders`: no demo migration; the smoke SQL reads Switchyard's own table.
    delete input.migrations;
    input.green = { ...input.green, smokeSql: [`SELECT count(*) FROM ${WRITES_TABLE}`] };
  }
  return input;
};
