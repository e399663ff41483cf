/**
 * The contract between the state machine and the approval gate: the RequestApproval task input,
 * what SendTaskSuccess / SendTaskFailure carry back, and the approval record kept in DynamoDB.
 */
import { z } from 'zod';
import { StatementRef } from '#domain/sql-refs';

/** Error name of the SendTaskFailure sent on reject; the ASL catches it by exact name and compensates. */
export const APPROVAL_REJECTED = 'ApprovalRejected';

/** A Slack approver is written `slack:<user id>` (U… or W… ids); anything else must be an e-mail address. */
export const SLACK_APPROVER = /^slack:[UW][A-Z0-9]{2,20}$/;

export const Approver = z.union([z.email(), z.string().regex(SLACK_APPROVER)]);

const Version = z.strictObject({
  engineVersion: z.string().min(1),
  dbParameterGroupName: z.string().min(1).optional(),
  dbInstanceClass: z.string().min(1).optional(),
});

export const ApprovalRequest = z.strictObject({
  database: z.string().min(1),
  deploymentId: z.string().min(1),
  greenInstanceId: z.string().min(1),
  /** RDS engine (postgres, mysql, mariadb); optional so approvals stored before it was added still parse */
  engine: z.string().min(1).optional(),
  current: Version,
  target: Version.partial(),
  // 'per-database': a fleet wave's one approval (src/domain/fleet-tasks.ts); each database's run knows its own
  replication: z.enum(['physical', 'logical', 'binlog', 'per-database']),
  lag: z.strictObject({ value: z.number(), unit: z.enum(['seconds', 'bytes']), metric: z.string() }),
  window: z
    .strictObject({ days: z.array(z.string()), start: z.string(), end: z.string(), timezone: z.string() })
    .nullable(),
  migrations: z.strictObject({
    verdict: z.enum(['pass', 'warn', 'fail', 'none']),
    summary: z.string(),
    statements: z.array(z.string()),
  }),
  /** The DDL guard on blue and what it saw since green was created (absent in older requests). */
  ddlGuard: z
    .strictObject({
      mode: z.enum(['event-trigger', 'fingerprint', 'off']),
      freeze: z.boolean(),
      warnings: z.array(z.string()),
      logged: z.number().int().nullable(),
      schemaChanged: z.boolean().nullable(),
      note: z.string().optional(),
    })
    .optional(),
  /** Clients on blue and the switchover estimate (issue 14; absent in older requests). */
  clients: z
    .strictObject({
      connections: z.number().int().nullable(),
      longestTransactionSeconds: z.number().nullable(),
      rdsTools: z.boolean().nullable(),
      note: z.string().optional(),
    })
    .optional(),
  switchoverEstimate: z
    .strictObject({
      lowerSeconds: z.number(),
      expectedSeconds: z.number(),
      upperSeconds: z.number(),
      recommendedTimeoutSeconds: z.number(),
      configuredTimeoutSeconds: z.number().nullable(),
      basis: z.array(z.string()),
    })
    .optional(),
  /** Preflight's data-plane inspection of blue (absent for engines without rules). */
  inspection: z
    .strictObject({
      verdict: z.enum(['pass', 'warn', 'refuse']),
      headline: z.string(),
      findings: z.array(
        z.strictObject({
          rule: z.string(),
          severity: z.enum(['refuse', 'warn']),
          line: z.string(),
          waiver: z.strictObject({ reason: z.string(), by: z.string() }).optional(),
        }),
      ),
      waivers: z.array(
        z.strictObject({ rule: z.string(), reason: z.string(), by: z.string(), used: z.boolean() }),
      ),
    })
    .optional(),
  /** ValidateData's comparison of blue and green before approval (absent when it did not run). */
  validation: z
    .strictObject({
      status: z.enum(['passed', 'recheck', 'drift', 'incomplete', 'skipped']),
      summary: z.string(),
      lines: z.array(z.string()),
    })
    .optional(),
  /** MaintainGreen's ANALYZE and materialized-view refreshes on green (absent before it existed). */
  greenMaintenance: z.strictObject({ summary: z.string(), lines: z.array(z.string()) }).optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

/** Payload of the `RequestApproval` (`lambda:invoke.waitForTaskToken`) state. */
export const RequestApprovalInput = z.strictObject({
  // 1–1,024 characters per the Step Functions API.
  taskToken: z.string().min(1).max(1024),
  executionArn: z.string().startsWith('arn:'),
  approvers: z.array(Approver).min(1),
  expiresAt: z.iso.datetime({ offset: true }),
  request: ApprovalRequest,
});
export type RequestApprovalInput = z.infer<typeof RequestApprovalInput>;

/**
 * What the state machine sends: the request with migration statements as references (location, SHA-256),
 * plus the input document that holds their text, so the state carries the SQL only once
 * (src/domain/sql-refs.ts). The handler resolves it into a RequestApprovalInput.
 */
export const RequestApprovalTaskInput = RequestApprovalInput.extend({
  request: ApprovalRequest.extend({
    migrations: ApprovalRequest.shape.migrations.extend({ statements: z.array(StatementRef) }),
  }),
  document: z.unknown(),
});
export type RequestApprovalTaskInput = z.infer<typeof RequestApprovalTaskInput>;

/** What request-approval returns (ignored by Step Functions; printed by the local rehearsal). */
export interface RequestApprovalOutput {
  approvalId: string;
  /** One approve and one reject link per e-mail approver, in the order of `approvers`. */
  links: { approve: string[]; reject: string[] };
}

export type Decision = 'approved' | 'rejected';
export type Channel = 'email' | 'slack' | 'cli';

/** SendTaskSuccess output; lands at `$.approval` in the execution state. */
export interface ApprovalOutput {
  decision: 'approved';
  by: string;
  at: string;
  channel: Channel;
  sourceIp: string;
  approvalId: string;
}

/** JSON carried in the `cause` of the `ApprovalRejected` SendTaskFailure. */
export interface RejectionCause {
  decision: 'rejected';
  by: string;
  at: string;
  channel: Channel;
  sourceIp: string;
  approvalId: string;
  reason: string;
}

export type ApprovalStatus = 'pending' | Decision | 'moved-on';

/** The audit half of a record, set once by the single conditional update that decides it. */
export interface DecisionFacts {
  decision: Decision;
  by: string;
  at: string;
  channel: Channel;
  sourceIp: string;
  reason?: string;
}

/** One approval as stored (DynamoDB item `approval#<approvalId>`). */
export interface ApprovalRecord {
  approvalId: string;
  executionArn: string;
  approvers: string[];
  /** ISO deadline; links and buttons stop working at this instant. */
  expiresAt: string;
  createdAt: string;
  /** Epoch seconds at which DynamoDB TTL may delete the item (and with it any unused token). */
  ttl: number;
  status: ApprovalStatus;
  request: ApprovalRequest;
  /** Present only while pending; removed by the update that decides. Never logged, never in a URL. */
  taskToken?: string;
  decided?: DecisionFacts;
  /** Where the Slack request message was posted with a bot token, for chat.update. */
  slackMessage?: { channel: string; ts: string };
}
