/**
 * Preflight findings: every reason the source cannot go through a Blue/Green deployment right now,
 * each naming what is wrong and how to fix it. Nothing is created unless this list is empty.
 */
import { type ExternalReplicaFacts, findBinlogProblems } from './binlog-preflight.ts';
import { engineFamily, engineLabel, migrationDialectOf, replicationFor } from './engine.ts';
import type { DeploymentFacts, InstanceFacts } from './facts.ts';
import { compareVersions, majorVersion } from './facts.ts';
import type { ExecutionInput } from './input.ts';
import { TAGS } from './names.ts';

export interface PreflightFacts {
  instance: InstanceFacts | undefined;
  /** when no instance has the name: the engine of an Aurora cluster that has it */
  clusterEngine?: string;
  /** parameters of blue's DB parameter group, by name (only the ones preflight asks for) */
  blueParameters: Record<string, string>;
  /** versions RDS lists as valid upgrade targets of blue's current version */
  validUpgradeTargets: string[];
  /** false when target.dbParameterGroupName names a group that does not exist */
  targetParameterGroupExists: boolean;
  /** Blue/Green deployments whose source is this instance */
  existingDeployments: DeploymentFacts[];
  /** MySQL/MariaDB: parameters of the group green will use (target.dbParameterGroupName, else blue's) */
  greenParameters?: Record<string, string>;
  /** MySQL/MariaDB: whether blue replicates from an external source (read over SQL when possible) */
  externalReplica?: ExternalReplicaFacts;
}

export interface PreflightFinding {
  check: string;
  problem: string;
}

/** Decides what stops this source from a Blue/Green deployment; an empty list means go. */
export const preflightFindings = (input: ExecutionInput, facts: PreflightFacts): PreflightFinding[] => {
  const id = input.source.dbInstanceIdentifier;
  const instance = facts.instance;
  if (!instance && facts.clusterEngine) {
    return [
      {
        check: 'source-exists',
        problem: `source.dbInstanceIdentifier: "${id}" is an Aurora DB cluster (${facts.clusterEngine}); Switchyard drives RDS DB instances only, Aurora clusters are not supported yet`,
      },
    ];
  }
  if (!instance) {
    return [
      {
        check: 'source-exists',
        problem: `source.dbInstanceIdentifier: no DB instance "${id}" in this account and Region; check the name (DescribeDBInstances)`,
      },
    ];
  }
  const findings: PreflightFinding[] = [];
  const add = (check: string, problem: string) => findings.push({ check, problem });

  if (!engineFamily(instance.engine)) {
    add(
      'engine',
      `${id}: engine "${instance.engine}" is not supported; Switchyard drives RDS for PostgreSQL, MySQL and MariaDB DB instances`,
    );
  }
  if (instance.status !== 'available') {
    add(
      'status',
      `${id}: status is "${instance.status}", must be "available"; wait for the current operation to finish`,
    );
  }
  if (instance.pendingModifiedValues.length > 0) {
    add(
      'pending-modifications',
      `${id}: has pending modifications (${instance.pendingModifiedValues.join(', ')}); apply them (reboot or maintenance) first`,
    );
  }
  if (instance.backupRetentionPeriod <= 0) {
    add(
      'backups',
      `${id}: automated backups are off (BackupRetentionPeriod 0); set a retention of at least 1 day`,
    );
  }
  for (const group of instance.parameterGroups) {
    if (group.applyStatus !== 'in-sync') {
      add(
        'parameter-group-in-sync',
        `${id}: parameter group "${group.name}" is "${group.applyStatus}", must be "in-sync"; reboot the instance to apply it`,
      );
    }
  }
  if (instance.readReplicaSource) {
    add(
      'not-a-replica',
      `${id}: is a read replica of "${instance.readReplicaSource}"; run the deployment on its source`,
    );
  }
  if (instance.masterUserSecret) {
    add(
      'master-password',
      `${id}: the master password is managed in Secrets Manager, which Blue/Green does not support; switch to a self-managed password first`,
    );
  }

  const target = input.target.engineVersion;
  if (target && target !== instance.engineVersion) {
    if (compareVersions(target, instance.engineVersion) < 0) {
      add(
        'upgrade-target',
        `target.engineVersion: ${target} is older than the current ${instance.engineVersion}; green cannot go back`,
      );
    } else if (!facts.validUpgradeTargets.includes(target)) {
      const valid = facts.validUpgradeTargets.length ? facts.validUpgradeTargets.join(', ') : 'none';
      add(
        'upgrade-target',
        `target.engineVersion: ${target} is not a valid upgrade target of ${instance.engineVersion} (valid: ${valid})`,
      );
    }
  }
  const replication = replicationFor(
    instance.engineVersion,
    target ?? instance.engineVersion,
    instance.engine,
  );
  if (replication === 'binlog') {
    const greenGroup = input.target.dbParameterGroupName ?? instance.parameterGroups[0]?.name ?? 'default';
    findings.push(
      ...findBinlogProblems({
        instance,
        targetVersion: target ?? instance.engineVersion,
        blueParameters: facts.blueParameters,
        greenParameterGroup: greenGroup,
        greenParameters: facts.greenParameters ?? facts.blueParameters,
        targetParameterGroupGiven: input.target.dbParameterGroupName !== undefined,
        externalReplica: facts.externalReplica ?? { checked: false, reason: 'not read' },
        // A group that does not exist is refused below; its parameters were never read.
      }).filter((f) => f.check !== 'event-scheduler' || facts.targetParameterGroupExists),
    );
  }
  const dialect = migrationDialectOf(instance.engine);
  const migrations = input.migrations;
  if (
    migrations &&
    migrations.engine !== dialect &&
    migrations.expand.length + migrations.contract.length > 0
  ) {
    add(
      'migrations-engine',
      `migrations.engine: is "${migrations.engine}" but ${id} runs ${engineLabel(instance.engine)}; set migrations.engine to "${dialect}"${dialect === 'mysql' ? ' (the MySQL dialect covers MariaDB too)' : ''}`,
    );
  }
  if (replication === 'logical') {
    if (facts.blueParameters['rds.logical_replication'] !== '1') {
      add(
        'logical-replication',
        `${id}: a major-version upgrade uses logical replication; set rds.logical_replication=1 in "${instance.parameterGroups[0]?.name ?? 'its parameter group'}" and reboot`,
      );
    }
    if (!input.target.dbParameterGroupName) {
      add(
        'target-parameter-group',
        `target.dbParameterGroupName: required for a major-version upgrade; name a parameter group of the postgres${majorVersion(target ?? '')} family`,
      );
    }
  }
  if (input.target.dbParameterGroupName && !facts.targetParameterGroupExists) {
    add(
      'target-parameter-group',
      `target.dbParameterGroupName: no DB parameter group "${input.target.dbParameterGroupName}"; create it first`,
    );
  }
  const live = facts.existingDeployments.filter((d) => d.status !== 'DELETING');
  for (const deployment of live) {
    add(
      'no-other-deployment',
      `${id}: Blue/Green deployment ${deployment.id} ("${deployment.name}", ${deployment.status}) already exists on this source; finish or delete it first`,
    );
  }
  return findings;
};

/** Old blues of earlier runs on this source still inside their rollback window (tagged by Retain). */
export const openRollbackWindows = (
  instances: InstanceFacts[],
  sourceId: string,
): Array<{ instanceId: string; retainUntil: string }> =>
  instances.flatMap((i) => {
    const retainUntil = i.tags[TAGS.retainUntil];
    return retainUntil && i.tags[TAGS.source] === sourceId ? [{ instanceId: i.id, retainUntil }] : [];
  });
