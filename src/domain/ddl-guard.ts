/**
 * The DDL guard on blue from CreateGreen until the switch completes, as pure decisions: how it can
 * watch blue on each replication path, and what its release reports.
 *
 * Why two modes (RDS user guide, "Event triggers for RDS for PostgreSQL"): the master user
 * (rds_superuser) may create, alter and drop event triggers; a read replica inherits them, they do not
 * fire there, and they fire once it is promoted; and "to perform a major version upgrade to a
 * PostgreSQL DB instance that uses event triggers, make sure to delete the event triggers before you
 * upgrade the instance". Green of a logical (major-version) deployment is an upgraded copy of blue, so
 * on that path the guard installs no event trigger and detects DDL by a catalog fingerprint instead.
 */

export type GuardMode = 'event-trigger' | 'fingerprint' | 'off';

export interface GuardPlan {
  mode: GuardMode;
  /** DDL is refused (event-trigger mode only) */
  freeze: boolean;
  /** why the guard is weaker than asked, for the report and the approval */
  warnings: string[];
}

export const EVENT_TRIGGER_DOC =
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.FeatureSupport.EventTriggers.html';

/** How DDL on blue is guarded for this run. */
export const planGuard = (
  replication: 'physical' | 'logical' | 'binlog',
  ddlFreeze: boolean,
  hasDatabase: boolean,
): GuardPlan => {
  // The guard is made of PostgreSQL event triggers and catalog fingerprints; MySQL/MariaDB have neither.
  if (replication === 'binlog')
    return {
      mode: 'off',
      freeze: false,
      warnings: [
        'DDL on blue is not guarded on MySQL/MariaDB (the guard uses PostgreSQL event triggers); binlog replication carries DDL to green, and a change that is not replication-compatible breaks it',
      ],
    };
  if (!hasDatabase)
    return {
      mode: 'off',
      freeze: false,
      warnings: ['DDL on blue is not guarded: the input has no database block to connect with'],
    };
  if (replication === 'physical') return { mode: 'event-trigger', freeze: ddlFreeze, warnings: [] };
  return {
    mode: 'fingerprint',
    freeze: false,
    warnings: ddlFreeze
      ? [
          `guards.ddlFreeze cannot block DDL on the logical path: RDS requires event triggers to be dropped before a major version upgrade (${EVENT_TRIGGER_DOC}), and green is an upgraded copy of blue; DDL on blue is detected by a catalog fingerprint instead`,
        ]
      : [],
  };
};

export interface DdlLogEntry {
  at: string;
  commandTag: string;
  objects: string[];
  user: string;
  statement: string;
}

export interface GuardObservation {
  /** DDL commands the event trigger logged for this execution */
  logged: number;
  entries: DdlLogEntry[];
  /** blue's catalog fingerprint differs from the one taken at install */
  schemaChanged: boolean;
}

/** One line for the report and the notifications. */
export const describeObservation = (o: GuardObservation | null): string => {
  if (!o) return 'DDL on blue: not observed (no guard)';
  const parts = [
    `${o.logged} DDL command(s) logged on blue`,
    o.schemaChanged ? 'schema changed since the guard was installed' : 'schema unchanged',
  ];
  const tags = [...new Set(o.entries.map((e) => e.commandTag))];
  return `${parts.join('; ')}${tags.length ? ` (${tags.join(', ')})` : ''}`;
};
