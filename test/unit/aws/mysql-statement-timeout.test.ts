import { describe, expect, it } from 'vitest';
import { statementTimeoutSql } from '#aws/mysql-connection';

describe('the statement bound a MySQL-protocol session gets', () => {
  it.each([
    ['8.0.42', 'SET SESSION max_execution_time = 10000'],
    ['8.4.3-log', 'SET SESSION max_execution_time = 10000'],
    ['10.11.19-MariaDB-0+deb12u1-log', 'SET SESSION max_statement_time = 10'],
  ])('server %s → %s', (version, sql) => {
    expect(statementTimeoutSql(version, 10_000)).toBe(sql);
  });
});
