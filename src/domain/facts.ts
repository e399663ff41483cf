/** What the handlers read from AWS, in the shape the domain decides on (no SDK types here). */

export interface InstanceFacts {
  id: string;
  arn: string;
  resourceId: string;
  status: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  backupRetentionPeriod: number;
  parameterGroups: Array<{ name: string; applyStatus: string }>;
  /** OptionGroupMemberships: "default:<engine>-<x>-<y>" unless a custom group is attached */
  optionGroups: Array<{ name: string; status: string }>;
  readReplicaSource?: string;
  readReplicas: string[];
  pendingModifiedValues: string[];
  masterUserSecret: boolean;
  deletionProtection: boolean;
  endpoint?: { address: string; port: number };
  tags: Record<string, string>;
  /** DBInstanceStatusInfo entries (StatusType "read replication": replicating, error, stopped, …) */
  statusInfos?: Array<{ type: string; status: string; normal: boolean; message?: string }>;
}

export interface DeploymentFacts {
  id: string;
  name: string;
  source: string;
  target?: string;
  status: string;
  statusDetails?: string;
  tasks: Array<{ name: string; status: string }>;
  switchoverDetails: Array<{ sourceMember: string; targetMember?: string; status?: string }>;
  tags: Record<string, string>;
}

export interface SnapshotFacts {
  id: string;
  instanceId: string;
  status: string;
}

/** The instance identifier at the end of an RDS ARN (arn:aws:rds:region:account:db:<id>). */
export const instanceIdFromArn = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

/** Major version of an engine version string: "17.4" → 17. */
export const majorVersion = (version: string): number => Number.parseInt(version.split('.')[0] ?? '', 10);

/** Numeric comparison of dotted versions: compareVersions("17.10", "17.9") > 0. */
export const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};
