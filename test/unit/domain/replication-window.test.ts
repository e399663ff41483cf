import { describe, expect, it } from 'vitest';
import { changedObjects, judgeReplicationWindow } from '#domain/replication-window';

const AT = '2026-11-29T21:00:00.000Z';
const clean = { logged: 0, entries: [], schemaChanged: false, changes: [] };
const available = { greenStatus: 'available', deploymentStatusDetails: null };

describe('judgeReplicationWindow', () => {
  it.each([
    ['no guard, green available', null, available, 'healthy'],
    ['clean guard, green available', clean, available, 'healthy'],
    ['green backing up (still replicating)', clean, { ...available, greenStatus: 'backing-up' }, 'healthy'],
    ['green storage-full', clean, { ...available, greenStatus: 'storage-full' }, 'replication-degraded'],
    ['green gone', clean, { ...available, greenStatus: 'not found' }, 'replication-degraded'],
    ['fingerprint changed', { ...clean, schemaChanged: true }, available, 'ddl-on-blue'],
    ['DDL logged, schema back as it was', { ...clean, logged: 1 }, available, 'ddl-on-blue'],
  ] as const)('%s → %s', (_name, observation, health, verdict) => {
    const j = judgeReplicationWindow(observation, health, AT);
    expect(j.verdict).toBe(verdict);
    expect(j.healthy).toBe(verdict === 'healthy');
    expect(j.reason === null).toBe(verdict === 'healthy');
  });

  it('names the object, the command, who and when from the event-trigger log', () => {
    const j = judgeReplicationWindow(
      {
        logged: 2,
        schemaChanged: true,
        entries: [
          {
            at: '2026-11-29T20:59:00.000Z',
            commandTag: 'ALTER TABLE',
            objects: ['public.orders'],
            user: 'app',
            statement: 'ALTER TABLE orders ADD COLUMN note text',
          },
        ],
      },
      available,
      AT,
    );
    expect(j.reason).toBe(
      '2 DDL command(s) on blue since green was created; latest ALTER TABLE on public.orders by app at 2026-11-29T20:59:00.000Z: ALTER TABLE orders ADD COLUMN note text',
    );
    expect(j.fix).toContain('as a migration');
  });

  it('names the changed relations from the fingerprint diff, dated by the check that saw it', () => {
    const changes = [
      '+ r public.orders r p id bigint not null, note text',
      '- r public.orders r p id bigint not null',
    ];
    const j = judgeReplicationWindow({ ...clean, schemaChanged: true, changes }, available, AT);
    expect(j.reason).toContain(`detected at ${AT}`);
    expect(j.reason).toContain('changed: public.orders;');
    expect(changedObjects(changes)).toEqual(['public.orders']);
  });

  it('DDL on blue outranks a degraded green (the DDL is the cause to fix)', () => {
    const j = judgeReplicationWindow(
      { ...clean, schemaChanged: true },
      { ...available, greenStatus: 'failed' },
      AT,
    );
    expect(j.verdict).toBe('ddl-on-blue');
    expect(j.reason).toContain('objects not named');
  });
});

describe("judgeReplicationWindow: RDS's own report of replication degraded", () => {
  const replicating = { status: 'replicating', normal: true };
  it.each([
    ['green replicating', { ...available, greenReplication: replicating }, 'healthy'],
    [
      'StatusDetails Replication degraded',
      { ...available, deploymentStatusDetails: 'Replication degraded' },
      'replication-degraded',
    ],
    [
      'green read replication error',
      { ...available, greenReplication: { status: 'error', normal: false, message: 'x' } },
      'replication-degraded',
    ],
    [
      'green read replication stopped',
      { ...available, greenReplication: { status: 'stopped', normal: true } },
      'replication-degraded',
    ],
    ['other StatusDetails', { ...available, deploymentStatusDetails: 'Switchover completed' }, 'healthy'],
  ] as const)('%s → %s', (_name, health, verdict) => {
    expect(judgeReplicationWindow(clean, health, AT).verdict).toBe(verdict);
  });

  it('quotes both reports and says only a new green recovers', () => {
    const j = judgeReplicationWindow(
      clean,
      {
        ...available,
        deploymentStatusDetails: 'Replication degraded',
        greenReplication: { status: 'error', normal: false, message: 'Replication degraded: large objects' },
      },
      AT,
    );
    expect(j.reason).toBe(
      `RDS reports replication degraded at ${AT} (deployment: Replication degraded; green read replication error: Replication degraded: large objects)`,
    );
    expect(j.fix).toContain('only a new green recovers');
    expect(j.fix).toContain('green.recreateOnDegraded');
  });

  it('names logged DDL before the degraded report (the more precise cause)', () => {
    const j = judgeReplicationWindow(
      { ...clean, logged: 1, schemaChanged: true },
      { ...available, deploymentStatusDetails: 'Replication degraded' },
      AT,
    );
    expect(j.verdict).toBe('ddl-on-blue');
  });
});
