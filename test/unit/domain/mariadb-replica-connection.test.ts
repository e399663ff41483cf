import { describe, expect, it } from 'vitest';
import { judgeReplicaConnection, parseReplicaRow } from '../../../src/domain/mariadb-replica-connection.ts';
import { mariaReverseStatus } from '../../../src/domain/reverse-replication.ts';

const expected = { host: 'orders-db.abc.us-east-1.rds.amazonaws.com', port: 3306, user: 'admin' };

describe('parseReplicaRow', () => {
  it("reads MariaDB's Master_/Slave_ names and RDS's Source_/Replica_ names alike", () => {
    const maria = parseReplicaRow({
      Master_Host: 'h',
      Master_Port: 3306,
      Master_User: 'u',
      Slave_IO_Running: 'Connecting',
      Slave_SQL_Running: 'Yes',
      Last_SQL_Error: '',
      Last_IO_Error: 'error connecting to master',
    });
    const rds = parseReplicaRow({
      Source_Host: 'h',
      Source_Port: 3306,
      Source_User: 'u',
      Replica_IO_Running: 'Connecting',
      Replica_SQL_Running: 'Yes',
      Last_SQL_Error: '',
      Last_IO_Error: 'error connecting to master',
    });
    expect(maria).toEqual({
      sourceHost: 'h',
      sourcePort: 3306,
      sourceUser: 'u',
      ioState: 'Connecting',
      sqlRunning: true,
      lastError: 'error connecting to master',
    });
    expect(rds).toEqual(maria);
    expect(parseReplicaRow(undefined)).toBeUndefined();
  });
});

describe('judgeReplicaConnection', () => {
  const row = {
    sourceHost: expected.host,
    sourcePort: 3306,
    sourceUser: 'admin',
    ioState: 'Yes',
    sqlRunning: true,
    lastError: '',
  };

  it('is none without a row and ours when host (any case), port and user all match', () => {
    expect(judgeReplicaConnection(undefined, expected)).toEqual({ kind: 'none' });
    expect(judgeReplicaConnection({ ...row, sourceHost: expected.host.toUpperCase() }, expected).kind).toBe(
      'ours',
    );
  });

  it.each([
    ['another host', { sourceHost: 'onprem.example' }],
    ['another port', { sourcePort: 3307 }],
    ['another user', { sourceUser: 'repl' }],
  ])('is foreign for %s, naming it and the way out', (_what, change) => {
    const verdict = judgeReplicaConnection({ ...row, ...change }, expected);
    expect(verdict.kind).toBe('foreign');
    if (verdict.kind !== 'foreign') return;
    expect(verdict.reason).toContain('old blue already replicates from');
    expect(verdict.reason).toContain('CALL mysql.rds_reset_external_master');
    expect(verdict.reason).toContain('failBack.enabled=false');
  });
});

describe('mariaReverseStatus with another source on old blue', () => {
  it('is broken with the reason, whatever the positions say', () => {
    const s = mariaReverseStatus(
      { primaryPos: '0-2-9', replicaPos: '0-2-9', foreignSource: 'old blue already replicates from x' },
      new Date('2026-11-29T23:00:00Z'),
    );
    expect(s).toMatchObject({ state: 'broken', lag: null, detail: 'old blue already replicates from x' });
  });
});
