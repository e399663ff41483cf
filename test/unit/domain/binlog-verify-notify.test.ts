/** Verification and notifications for MySQL/MariaDB runs: read_only on both sides, the engine named. */
import { describe, expect, it } from 'vitest';
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
