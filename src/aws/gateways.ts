/**
 * Everything a handler may reach outside the process. Each handler takes only the gateways it uses
 * (so its bundle carries only those SDK clients) and tests swap in fakes.
 */
import { cloudWatchClient, rdsClient, snsClient } from './clients.ts';
import { type DatabaseGateway, makeDatabaseGateway } from './database-gateway.ts';
import { type DdlGuardGateway, makeDdlGuardGateway } from './ddl-guard-gateway.ts';
import { type FailBackDatabaseGateway, makeFailBackDatabaseGateway } from './fail-back-database.ts';
import { type GreenMaintenanceGateway, makeGreenMaintenanceGateway } from './green-maintenance-gateway.ts';
import { type InspectionGateway, makeInspectionGateway } from './inspection-gateway.ts';
import { type MetricsGateway, makeMetricsGateway } from './metrics-gateway.ts';
import { makeMigrationSessionOpener, type OpenMigrationSession } from './migrations-gateway.ts';
import { makeNotifyGateway, type NotifyGateway } from './notify-gateway.ts';
import { makeParameterReader } from './parameters.ts';
import { makeRdsGateway, type RdsGateway } from './rds-gateway.ts';
import { makeRenameGateway, type RenameGateway } from './rename-gateway.ts';
import { makeReverseReplicationGateway } from './reverse-replication.ts';
import type { ReverseReplicationGateway } from './reverse-replication-gateway.ts';
import { makeValidationGateway, type ValidationGateway } from './validation-gateway.ts';

export interface Gateways {
  rds: RdsGateway;
  metrics: MetricsGateway;
  notify: NotifyGateway;
  database: DatabaseGateway;
  /** sessions on blue for ApplyMigrations */
  migrations: { open: OpenMigrationSession };
  ddlGuard: DdlGuardGateway;
  inspection: InspectionGateway;
  /** ValidateData's sessions on blue and green */
  validation: ValidationGateway;
  /** the fail-back: write blocks, the hand-over's old-blue session (sequences, writable), checks */
  failBackDatabase: FailBackDatabaseGateway;
  /** the reverse stream new primary → old blue (issue #15) */
  reverse: ReverseReplicationGateway;
  /** ModifyDBInstance NewDBInstanceIdentifier */
  renames: RenameGateway;
  /** MaintainGreen's sessions on green (ANALYZE, REFRESH MATERIALIZED VIEW) */
  greenMaintenance: GreenMaintenanceGateway;
  clock: () => Date;
  /** Waits ms between the quick re-reads of a bounded in-handler poll (CheckReverseCatchUp); path tests move their clock. */
  pause: (ms: number) => Promise<void>;
}

/** Reads a required environment variable, naming it when it is missing. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new Error(`environment variable ${name} is not set; set it in serverless.yml (or the rehearsal)`);
  return value;
};

export const systemClock = (): Date => new Date();
export const systemPause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let rds: RdsGateway | undefined;
let metrics: MetricsGateway | undefined;
let notify: NotifyGateway | undefined;
let database: DatabaseGateway | undefined;
let migrations: Gateways['migrations'] | undefined;
let ddlGuard: DdlGuardGateway | undefined;
let inspection: InspectionGateway | undefined;
let validation: ValidationGateway | undefined;
let failBackDatabase: FailBackDatabaseGateway | undefined;
let reverse: ReverseReplicationGateway | undefined;
let renames: RenameGateway | undefined;
let greenMaintenance: GreenMaintenanceGateway | undefined;

export const rdsGateway = (): RdsGateway => (rds ??= makeRdsGateway(rdsClient()));
export const metricsGateway = (): MetricsGateway => (metrics ??= makeMetricsGateway(cloudWatchClient()));
/** NOTIFY_TOPIC_ARN is read on first use, so a missing topic fails the notify Task with its name. */
export const notifyGateway = (): NotifyGateway =>
  (notify ??= makeNotifyGateway(snsClient(), requireEnv('NOTIFY_TOPIC_ARN')));
// The smoke password is read fresh each time: a cached value would outlive a rotation and turn a
// healthy database into a failed smoke test (a rollback before the switch, an alert after it).
export const databaseGateway = (): DatabaseGateway =>
  (database ??= makeDatabaseGateway(makeParameterReader(undefined, 0)));
/** Preflight's read of blue's catalog; the password is read fresh for the same reason as smoke's. */
export const inspectionGateway = (): InspectionGateway =>
  (inspection ??= makeInspectionGateway(makeParameterReader(undefined, 0)));
/** ValidateData; the password is read fresh for the same reason as smoke's. */
export const validationGateway = (): ValidationGateway =>
  (validation ??= makeValidationGateway(makeParameterReader(undefined, 0)));
/** MaintainGreen; the password is read fresh for the same reason as smoke's. */
export const greenMaintenanceGateway = (): GreenMaintenanceGateway =>
  (greenMaintenance ??= makeGreenMaintenanceGateway(makeParameterReader(undefined, 0)));

// Like the smoke password, the migration user's password is read fresh for every session.
export const migrationsGateway = (): Gateways['migrations'] =>
  (migrations ??= { open: makeMigrationSessionOpener(makeParameterReader(undefined, 0)) });
export const ddlGuardGateway = (): DdlGuardGateway =>
  (ddlGuard ??= makeDdlGuardGateway(makeParameterReader(undefined, 0)));
/** The reverse stream, by engine; the password is read fresh for the same reason as smoke's. */
export const reverseReplicationGateway = (): ReverseReplicationGateway =>
  (reverse ??= makeReverseReplicationGateway(makeParameterReader(undefined, 0)));

/** The fail-back's SQL; the password is read fresh for the same reason as smoke's. */
export const failBackDatabaseGateway = (): FailBackDatabaseGateway =>
  (failBackDatabase ??= makeFailBackDatabaseGateway(makeParameterReader(undefined, 0)));
export const renameGateway = (): RenameGateway => (renames ??= makeRenameGateway(rdsClient()));

/** All real gateways (the local rehearsal binds every handler at once). */
export const defaultGateways = (): Gateways => ({
  rds: rdsGateway(),
  metrics: metricsGateway(),
  get notify() {
    return notifyGateway();
  },
  database: databaseGateway(),
  migrations: migrationsGateway(),
  ddlGuard: ddlGuardGateway(),
  inspection: inspectionGateway(),
  validation: validationGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  reverse: reverseReplicationGateway(),
  renames: renameGateway(),
  greenMaintenance: greenMaintenanceGateway(),
  clock: systemClock,
  pause: systemPause,
});
