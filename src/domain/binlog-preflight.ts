/**
 * Preflight rules for RDS for MySQL and RDS for MariaDB sources (binlog replication to green). One
 * row per rule, each citing the RDS page it comes from; `findBinlogProblems` runs them all. The
 * general rules (status, backups, parameter group in-sync, replicas, upgrade target, existing
 * deployments) live in preflight.ts and apply to every engine.
 */

import { engineLabel, isMajorUpgrade, parameterGroupFamily } from './engine.ts';
import type { InstanceFacts } from './facts.ts';
import { compareVersions } from './facts.ts';

/** What blue reports about its own replication (`SHOW REPLICA STATUS` on blue), when it was read. */
export type ExternalReplicaFacts =
  | { checked: true; replicating: boolean; sourceHost?: string; running?: boolean }
  | { checked: false; reason: string };

export interface BinlogFacts {
  instance: InstanceFacts;
  targetVersion: string;
  /** parameters of blue's DB parameter group (DescribeDBParameters), by name */
  blueParameters: Record<string, string>;
  /** the group green will use: target.dbParameterGroupName, else blue's */
  greenParameterGroup: string;
  greenParameters: Record<string, string>;
  /** whether the input names a parameter group for green */
  targetParameterGroupGiven: boolean;
  externalReplica: ExternalReplicaFacts;
}

export interface BinlogRule {
  check: string;
  /** the RDS user guide page the rule comes from */
  source: string;
  problem(facts: BinlogFacts): string | undefined;
}

const UG = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide';
const isOff = (value: string | undefined): boolean =>
  value !== undefined && ['OFF', '0', 'DISABLED'].includes(value.trim().toUpperCase());

/** A parameter group RDS creates itself is named "default.<family>"; an option group "default:<engine>-<x>-<y>". */
const isDefaultOptionGroup = (name: string): boolean => name.startsWith('default:');

export const BINLOG_RULES: BinlogRule[] = [
  {
    check: 'engine-version',
    // "MySQL 5.7, 8.0 and 8.4 ... except MySQL 8.0.11, 8.0.12 and 8.0.13" (a community bug).
    source: `${UG}/Concepts.RDS_Fea_Regions_DB-eng.Feature.BlueGreenDeployments.html`,
    problem: ({ instance }) =>
      instance.engine === 'mysql' &&
      compareVersions(instance.engineVersion, '8.0.11') >= 0 &&
      compareVersions(instance.engineVersion, '8.0.13') <= 0
        ? `${instance.id}: MySQL ${instance.engineVersion} cannot have a Blue/Green deployment (RDS excludes 8.0.11–8.0.13 for a community bug); upgrade blue to 8.0.14 or later first`
        : undefined,
  },
  {
    check: 'binlog-format',
    // RDS needs only binary logging (automated backups) and recommends MIXED; Switchyard asks for ROW,
    // as AWS's Blue/Green advisor does: under MIXED or STATEMENT, statements with non-deterministic
    // results replay differently on green, and green is where production moves.
    source: `${UG}/USER_LogAccess.MySQL.BinaryFormat.html`,
    problem: ({ instance, blueParameters }) => {
      const value = blueParameters.binlog_format;
      if (value?.trim().toUpperCase() === 'ROW') return undefined;
      const group = instance.parameterGroups[0]?.name ?? 'its DB parameter group';
      const now = value ? `is ${value}` : 'is not set (the engine default applies)';
      return `${instance.id}: binlog_format ${now} in parameter group "${group}"; set binlog_format=ROW in "${group}" (a custom group: the default.* groups cannot be changed) so green replays exactly the rows blue changed`;
    },
  },
  {
    check: 'event-scheduler',
    // "The Event Scheduler (event_scheduler parameter) must be disabled on the green environment".
    source: `${UG}/blue-green-deployments-considerations.html`,
    problem: ({ instance, greenParameterGroup, greenParameters }) => {
      const value = greenParameters.event_scheduler;
      if (isOff(value)) return undefined;
      // MariaDB and MySQL 5.7 default to OFF; MySQL 8.0 and later default to ON.
      if (value === undefined && (instance.engine === 'mariadb' || instance.engineVersion.startsWith('5.')))
        return undefined;
      const now = value ? `is ${value}` : 'is not set, and MySQL 8.0+ defaults it to ON';
      return `parameter group "${greenParameterGroup}" (green's): event_scheduler ${now}; set event_scheduler=OFF in it, or name a group with it off in target.dbParameterGroupName`;
    },
  },
  {
    check: 'option-group-major-upgrade',
    // "For RDS for MySQL, if the source database is associated with a custom option group, you can't
    // specify a major version upgrade when you create the blue/green deployment." (MySQL only, as written.)
    source: `${UG}/blue-green-deployments-considerations.html`,
    problem: ({ instance, targetVersion }) => {
      if (instance.engine !== 'mysql') return undefined;
      if (!isMajorUpgrade(instance.engine, instance.engineVersion, targetVersion)) return undefined;
      const custom = instance.optionGroups.filter((g) => !isDefaultOptionGroup(g.name));
      return custom.length > 0
        ? `target.engineVersion: ${targetVersion} is a major-version upgrade, which RDS refuses for a source with a custom option group (${custom.map((g) => `"${g.name}"`).join(', ')}); create the deployment without the upgrade and upgrade green's engine afterwards, or move blue to a default option group`
        : undefined;
    },
  },
  {
    check: 'target-parameter-group',
    // Switchyard's rule, not RDS's: without a group RDS gives green the new family's default group,
    // whose event_scheduler is ON on MySQL 8.0+ and whose binlog_format is RDS's MIXED; name one instead.
    source: `${UG}/blue-green-deployments-creating.html`,
    problem: ({ instance, targetVersion, targetParameterGroupGiven }) =>
      isMajorUpgrade(instance.engine, instance.engineVersion, targetVersion) && !targetParameterGroupGiven
        ? `target.dbParameterGroupName: required for a major-version upgrade; name a parameter group of the ${parameterGroupFamily(instance.engine, targetVersion)} family (with binlog_format=ROW and event_scheduler=OFF)`
        : undefined,
  },
  {
    check: 'not-an-external-replica',
    // Switchover guardrail "External replication": "For RDS for MySQL and RDS for MariaDB, make sure
    // that the blue database isn't an external binlog replica. If it is, make sure that it isn't
    // actively replicating." Switchyard refuses a configured one even when stopped: a restart during
    // the run would block the switch after approval.
    source: `${UG}/blue-green-deployments-switching.html`,
    problem: ({ instance, externalReplica }) => {
      if (!externalReplica.checked || !externalReplica.replicating) return undefined;
      const from = externalReplica.sourceHost ? ` (${externalReplica.sourceHost})` : '';
      const state = externalReplica.running ? ', replicating now' : ', configured but stopped';
      return `${instance.id}: is a binlog replica of an external source${from}${state}; stop and reset that replication (CALL mysql.rds_stop_replication; CALL mysql.rds_reset_external_master) before the deployment`;
    },
  },
];

/** Every binlog-specific reason this MySQL or MariaDB source cannot go through a deployment now. */
export const findBinlogProblems = (facts: BinlogFacts): Array<{ check: string; problem: string }> =>
  BINLOG_RULES.flatMap((rule) => {
    const problem = rule.problem(facts);
    return problem ? [{ check: rule.check, problem }] : [];
  });

/** What Preflight could not check for this source, said plainly (it goes into the run's warnings). */
export const binlogWarnings = (facts: Pick<BinlogFacts, 'instance' | 'externalReplica'>): string[] =>
  facts.externalReplica.checked
    ? []
    : [
        `${facts.instance.id} (${engineLabel(facts.instance.engine, facts.instance.engineVersion)}): not checked whether blue is an external binlog replica (${facts.externalReplica.reason}); RDS refuses the switchover if it is`,
      ];
