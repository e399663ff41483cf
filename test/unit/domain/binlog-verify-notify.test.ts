/** Verification and notifications for MySQL/MariaDB runs: read_only on both sides, the engine named. */
import { describe, expect, it } from 'vitest';
import { type ApprovalRecord, ApprovalRequest } from '#approval/contracts';
import { describeRequest, renderApprovalEmail } from '#approval/messages';
import { renderConfirmationPage } from '#approval/pages';
import { planGuard } from '#domain/ddl-guard';
import { validateExecutionInput } from '#domain/input';
import { judgeLag } from '#domain/lag';
import { composeNotification } from '#domain/notification';
import { judgeVerification, type VerificationFacts } from '#domain/verify';
import { instance } from '../../support/fake-world.ts';

const switched: VerificationFacts = {
  deployment: {
    id: 'bgd-1',
    name: 'sy',
    source: 's',
    status: 'SWITCHOVER_COMPLETED',
    tasks: [],
    switchoverDetails: [],
    tags: {},
  },
  primary: instance('orders-db', { resourceId: 'db-GREEN' }),
  expectedResourceId: 'db-GREEN',
  oldBlue: instance('orders-db-old1'),
  alarms: [],
  missingAlarms: [],
  smoke: [],
};

describe('judgeVerification with read_only states', () => {
  it('passes when old blue is read-only and the new primary writable', () => {
    expect(judgeVerification({ ...switched, readOnly: { oldBlue: true, primary: false } }).ok).toBe(true);
  });

  it.each([
    [{ oldBlue: false, primary: false }, 'old blue is writable (read_only=0)'],
    [{ oldBlue: true, primary: true }, 'the new primary is read-only (read_only=1)'],
    [
      { oldBlue: 'connect ETIMEDOUT', primary: false },
      'cannot read read_only on old blue: connect ETIMEDOUT',
    ],
    [{ oldBlue: true, primary: 'Access denied' }, 'cannot read read_only on the new primary: Access denied'],
  ])('fails on %o', (readOnly, problem) => {
    const verdict = judgeVerification({ ...switched, readOnly });
    expect(verdict).toEqual({ ok: false, problems: [expect.stringContaining(problem)] });
  });
});

describe('composeNotification names the engine', () => {
  const state = (engine: string) => ({
    preflight: {
      plan: { sourceId: 'orders-db', engine, currentEngineVersion: '8.0.35', targetEngineVersion: '8.4.3' },
    },
  });

  it('in the versions line and the fail-back runbook', () => {
    const mysql = composeNotification('failed-after-switch', 'exec-1', state('mysql')).message;
    expect(mysql).toContain('Versions: MySQL 8.0.35 → 8.4.3');
    expect(mysql).toContain('set read_only=0 in its parameter group');
    const maria = composeNotification('switched', 'exec-1', state('mariadb')).message;
    expect(maria).toContain('Versions: MariaDB 8.0.35 → 8.4.3');
    const pg = composeNotification('failed-after-switch', 'exec-1', state('postgres')).message;
    expect(pg).toContain('set default_transaction_read_only=0');
  });

  it('and names none before Preflight knew it', () => {
    const refused = composeNotification('refused', 'exec-1', {
      input: { source: { dbInstanceIdentifier: 'x' } },
    });
    expect(refused.message).toContain('Versions: — → —');
  });
});

describe('the approval request names the engine', () => {
  const record = (engine?: string) =>
    ({
      approvalId: 'ap-1',
      executionArn: 'arn:aws:states:us-east-1:1:execution:sm:run-1',
      approvers: ['dba@example.com'],
      expiresAt: '2026-11-22T12:00:00.000Z',
      createdAt: '2026-11-22T10:00:00.000Z',
      ttl: 0,
      status: 'pending',
      request: {
        database: 'orders-db',
        deploymentId: 'bgd-1',
        greenInstanceId: 'orders-db-green-abc123',
        ...(engine ? { engine } : {}),
        current: { engineVersion: '10.11.9' },
        target: { engineVersion: '10.11.10' },
        replication: 'binlog',
        lag: { value: 0, unit: 'seconds', metric: 'ReplicaLag' },
        window: null,
        migrations: { verdict: 'none', summary: 'no migrations in this release', statements: [] },
      },
    }) as ApprovalRecord;

  it('on the confirmation page and in the e-mail, and parses as a contract', () => {
    expect(ApprovalRequest.safeParse(record('mariadb').request).success).toBe(true);
    const page = renderConfirmationPage(
      record('mariadb'),
      { decision: 'approve', approver: 'dba@example.com', expires: 1, sig: 's' },
      '/decide',
    );
    expect(page).toContain('MariaDB');
    expect(page).toContain('binlog');
    const email = renderApprovalEmail(record('mariadb'), 'dba@example.com', { approve: 'a', reject: 'r' });
    expect(email.text).toMatch(/Engine:\s+MariaDB/);
  });

  it('and leaves the row out for a request stored before engines were named', () => {
    expect(describeRequest(record()).map((f) => f.label)).not.toContain('Engine');
  });
});

describe('input and lag for binlog sources', () => {
  it('says which migrations.engine a MariaDB source takes', () => {
    const verdict = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '10.11.10' },
      approval: { required: false },
      migrations: { engine: 'mariadb', expand: ['ALTER TABLE t ADD COLUMN c INT'] },
    });
    expect(verdict).toEqual({
      ok: false,
      problems: [
        'migrations.engine: must be "postgres" or "mysql" (use "mysql" for a MySQL or MariaDB source)',
      ],
    });
  });

  it('never counts ReplicaLag −1 (binlog replication not running) as caught up', () => {
    expect(judgeLag(-1, 5, 2, 3)).toEqual({ withinThreshold: false, consecutiveOk: 0, converged: false });
  });
});

describe('the DDL guard on a binlog source', () => {
  it('is off, and says why, since it is made of PostgreSQL event triggers', () => {
    const plan = planGuard('binlog', true, true);
    expect(plan).toMatchObject({ mode: 'off', freeze: false });
    expect(plan.warnings).toEqual([expect.stringContaining('not guarded on MySQL/MariaDB')]);
  });
});
