/** The statement kinds ApplyMigrations derives from the real PostgreSQL parser (src/lib/migration-statements.ts). */
import { describe, expect, it } from 'vitest';
import { parseMigrationStatements } from '#lib/migration-statements';

describe('parseMigrationStatements', () => {
  it('locates every statement and says how it must run', async () => {
    // Prepare
    const files = [
      "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE a ADD COLUMN b int;\nCOMMIT;",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON s.a (b);\nDROP INDEX CONCURRENTLY s.ix;\nREINDEX INDEX CONCURRENTLY ix;',
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSAVEPOINT x;\nSET LOCAL work_mem = 1024;\nALTER TABLE p DETACH PARTITION c CONCURRENTLY;\nCREATE INDEX CONCURRENTLY ON a (b);',
    ];
    // Act
    const statements = await parseMigrationStatements('expand', files);
    // Assess
    expect(statements.map((s) => [s.source, s.kind, 'check' in s ? s.check : undefined])).toEqual([
      ['migrations.expand[0] line 1', 'session', undefined],
      ['migrations.expand[0] line 2', 'begin', undefined],
      ['migrations.expand[0] line 3', 'plain', undefined],
      ['migrations.expand[0] line 4', 'commit', undefined],
      [
        'migrations.expand[1] line 1',
        'non-transactional',
        { kind: 'index-created', name: 'ix', schema: 's' },
      ],
      [
        'migrations.expand[1] line 2',
        'non-transactional',
        { kind: 'index-dropped', name: 'ix', schema: 's' },
      ],
      ['migrations.expand[1] line 3', 'non-transactional', 'rerun'],
      ['migrations.expand[2] line 1', 'plain', undefined],
      ['migrations.expand[2] line 2', 'transaction-control', undefined],
      ['migrations.expand[2] line 3', 'plain', undefined],
      ['migrations.expand[2] line 4', 'non-transactional', null],
      ['migrations.expand[2] line 5', 'non-transactional', null],
    ]);
    expect(statements[7]?.sql).toBe('CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql');
  });

  it('marks SQL the parser rejects', async () => {
    const [s] = await parseMigrationStatements('contract', ['ALTER TABLE orders DROP COLUMN;']);
    expect(s?.kind).toBe('unparseable');
    expect(s?.source).toBe('migrations.contract[0] line 1');
  });
});
