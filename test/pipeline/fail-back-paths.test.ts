/**
 * Path tests of the fail-back branch (issue #15): the real ASL, the real handlers, a scripted fake
 * world with a fake reverse stream. After a decision to fail back nothing is ever deleted; every
 * branch ends in a defined state and tells someone.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld, type WorldScript } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const GREEN_RESOURCE = 'db-ORDERSDBGREENABC123';
const BLUE_RESOURCE = 'db-ORDERSDB';
const FAIL_BACK = { catchUpDeadlineSeconds: 10, pollSeconds: 5, renamePollSeconds: 60 };
const input = () => baseInput({ failBack: FAIL_BACK });

const failBack = async (script: WorldScript, decisions = 1) => {
  const world = makeWorld({ provisioningPolls: 2, ...script });
  const run = await runPath(world, input(), 'approve', undefined, { failBackDecisions: decisions });
  const from = run.states.indexOf('OpenRollbackWindow');
  return { world, run, branch: run.states.slice(from) };
};

const destructive = (calls: string[]) =>
  calls.filter((c) => /^delete|^createSnapshot|^disableDeletionProtection/.test(c));
const subjects = (world: ReturnType<typeof makeWorld>) => world.published.map((p) => p.subject);

/** Writes blocked, a catch-up check that re-read for its 3 s, one Wait, and a second check. */
const BLOCK_THEN_TWO_CATCH_UP_CHECKS = [
  'BlockWritesOnNewPrimary',
  'CheckReverseCatchUp',
  'IsReverseCaughtUp',
  'WaitForReverseCatchUp',
  'CheckReverseCatchUp',
  'IsReverseCaughtUp',
];

describe('fail-back branch', () => {
  it('fails back on a decision: writes blocked, old blue caught up, sequences, renames, verified; nothing deleted', async () => {
    // Prepare: the reverse stream still has 800 bytes to apply at the first read, then none.
    const { world, run, branch } = await failBack({
      reverseStatuses: [
        { state: 'replicating', lag: 800 },
        { state: 'replicating', lag: 0 },
      ],
    });
    // Assess: the exact branch, ending FailedBack (a Succeed) without retention or cleanup. The check
    // re-read the stream itself 25 ms later and saw it converge: no Wait state while writes are blocked.
    expect(run.status).toBe('SUCCEEDED');
    expect(branch).toEqual([
      'OpenRollbackWindow',
      'CountFailBackAttempt',
      'BlockWritesOnNewPrimary',
      'CheckReverseCatchUp',
      'IsReverseCaughtUp',
      'HandOverToOldBlue',
      'IsOldBlueWritable',
      'RenameNewPrimaryAside',
      'CheckAsideRename',
      'IsAsideRenamed',
      'RenameOldBlueToProduction',
      'CheckProductionRename',
      'IsProductionRenamed',
      'VerifyAfterFailBack',
      'IsFailBackVerified',
      'DeleteDeploymentAfterFailBack',
      'NotifyFailedBack',
      'FailedBack',
    ]);
    // One nudge between the two reads (lag left while the stream replicates), on the right pair.
    expect(run.output).toMatchObject({ failBackCatchUp: { verdict: 'converged', reads: 2, nudges: 1 } });
    expect(world.reverseCalls.filter((c) => c.startsWith('nudge'))).toEqual([
      'nudge orders-db.example → orders-db-old1.example',
    ]);
    // The production name is old blue's server again; the new primary is kept as -failed1.
    expect(world.instances.get('orders-db')?.resourceId).toBe(BLUE_RESOURCE);
    expect(world.instances.get('orders-db-failed1')?.resourceId).toBe(GREEN_RESOURCE);
    expect(world.instances.has('orders-db-old1')).toBe(false);
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([
      'rename orders-db -> orders-db-failed1',
      'rename orders-db-old1 -> orders-db',
    ]);
    // The database steps, in order, each on the right server: old blue's hand-over in one session,
    // the stream removed while its sequences are set, writable only after both, the session closed.
    expect(world.failBackDb).toEqual([
      'blockWrites orders-db.example',
      'openOldBlue orders-db-old1.example',
      'stopReverse orders-db.example -> orders-db-old1.example',
      'advanceSequences orders-db-old1.example ',
      'makeWritable orders-db-old1.example',
      'closeOldBlue orders-db-old1.example',
    ]);
    expect(run.output).toMatchObject({
      failBackHandOver: {
        sequences: { moves: [], missing: [] },
        reverse: { stopped: true },
        oldBlue: { writable: true, oldBlueId: 'orders-db-old1' },
      },
    });
    // No instance deleted, none snapshotted: only the Blue/Green object goes (never DeleteTarget), as
    // Cleanup would have done, so the next deployment of orders-db is not refused by Preflight.
    expect(destructive(world.calls)).toEqual([
      expect.stringMatching(/^deleteDeployment \S+ deleteTarget=false$/),
    ]);
    expect(world.published[0]?.message).toMatch(/Blue\/Green deployment \S+ deleted/);
    // Both tagged so no later cleanup could prove either "old blue".
    expect(run.states).not.toContain('Cleanup');
    expect(world.instances.get('orders-db')?.tags['switchyard:role']).toBe('production');
    expect(world.instances.get('orders-db-failed1')?.tags['switchyard:role']).toBe('failed-primary');
    expect(subjects(world)).toEqual(['[Switchyard] orders-db: failed-back']);
    expect(world.published[0]?.message).toContain('Fail-back: decided by dba@example.com via cli');
    expect(world.published[0]?.message).toContain('orders-db-failed1');
    // The window offered the fail-back with what the person needs to decide.
    expect(run.rollbackWindows[0]).toMatchObject({
      approvers: ['dba@example.com'],
      attempt: 0,
      summary: {
        sourceId: 'orders-db',
        oldBlueId: 'orders-db-old1',
        newEngineVersion: '18.4',
        oldEngineVersion: '17.4',
      },
    });
  });

  it('refuses when old blue never catches up: writes unblocked, name unchanged, told; the window reopens, then cleanup', async () => {
    const { world, run, branch } = await failBack({ reverseStatuses: [{ state: 'replicating', lag: 4096 }] });
    // Deadline 10 s, 5 s polls, each check re-reading for 3 s: reads 0–3 s, wait, reads 8–10 s and the
    // first read past the deadline refuses.
    expect(branch.slice(0, 9)).toEqual([
      'OpenRollbackWindow',
      'CountFailBackAttempt',
      ...BLOCK_THEN_TWO_CATCH_UP_CHECKS,
      'ReverseNotConverged',
    ]);
    // The second check read from 8 s until just past the 10 s deadline: a nudge every other read (at
    // most every 25 ms), each followed by a read 5 ms later, then 25 ms to the next: 2 reads per 30 ms.
    const { failBackCatchUp } = run.output as { failBackCatchUp: unknown };
    expect(failBackCatchUp).toMatchObject({ verdict: 'refuse', reads: 135, readForMs: 2010, nudges: 67 });
    expect(branch.slice(9, 15)).toEqual([
      'UnblockWrites',
      'ReopenRollbackWindow',
      'NotifyFailBackRefused',
      'MayFailBackAgain',
      'OpenRollbackWindow',
      'EndReverseReplication',
    ]);
    // The window's end (not the refusal) removes the reverse stream, before Cleanup.
    expect(world.failBackDb).toEqual([
      'blockWrites orders-db.example',
      'unblockWrites orders-db.example',
      'makeReadOnly orders-db-old1.example',
      'stopReverse orders-db.example -> orders-db-old1.example',
    ]);
    // The new primary's server takes writes again; only old blue's is read-only.
    expect([...world.readOnlyDatabases]).toEqual([BLUE_RESOURCE]);
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([]);
    expect(run.rollbackWindows).toHaveLength(2);
    expect(run.rollbackWindows[1]).toMatchObject({ attempt: 1 });
    const refused = world.published.find((p) => p.subject.endsWith('fail-back-refused'));
    expect(refused?.message).toContain('ReverseNotConverged');
    expect(refused?.message).toContain('had not caught up');
    // Nothing decided afterwards: retention ends and cleanup runs as before (old blue proven and deleted).
    expect(run.status).toBe('SUCCEEDED');
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
    expect(subjects(world).at(-1)).toBe('[Switchyard] orders-db: switched');
  });

  it('fails back all the same when the nudge is refused: the check reports it, stops nudging and reads on', async () => {
    const { world, run, branch } = await failBack({
      reverseNudgeFails: true,
      reverseStatuses: [
        { state: 'replicating', lag: 800 },
        { state: 'replicating', lag: 800 },
        { state: 'replicating', lag: 0 },
      ],
    });
    expect(branch.slice(2, 6)).toEqual([
      'BlockWritesOnNewPrimary',
      'CheckReverseCatchUp',
      'IsReverseCaughtUp',
      'HandOverToOldBlue',
    ]);
    expect(run.output).toMatchObject({
      failBackCatchUp: {
        verdict: 'converged',
        reads: 3,
        nudges: 0,
        nudgeError: expect.stringContaining('permission denied for function pg_logical_emit_message'),
      },
    });
    // Tried once, never again.
    expect(world.reverseCalls.filter((c) => c.startsWith('nudge'))).toHaveLength(1);
    expect(run.states.at(-1)).toBe('FailedBack');
  });

  it('goes back to the Wait loop when old blue needs longer than the check re-reads for, then fails back', async () => {
    // 250 reads still lagging: more than one check's 3 s of re-reads (2 reads per 30 ms, 201 in all).
    const lagging = Array.from({ length: 250 }, () => ({ state: 'replicating' as const, lag: 4096 }));
    const { run, branch } = await failBack({
      reverseStatuses: [...lagging, { state: 'replicating', lag: 0 }],
    });
    expect(branch.slice(2, 9)).toEqual([...BLOCK_THEN_TWO_CATCH_UP_CHECKS, 'HandOverToOldBlue']);
    const { failBackCatchUp } = run.output as { failBackCatchUp: unknown };
    // The second check reads the other 49 lagging readings and the converged one.
    expect(failBackCatchUp).toMatchObject({ verdict: 'converged', reads: 50, readForMs: 725, lag: 0 });
    expect(run.states.at(-1)).toBe('FailedBack');
  });

  it('refuses in the hand-over when old blue lacks a sequence, before touching the reverse stream', async () => {
    const { world, run, branch } = await failBack({ oldBlueLacksSequence: true });
    expect(branch.slice(branch.indexOf('HandOverToOldBlue'), branch.indexOf('UnblockWrites') + 1)).toEqual([
      'HandOverToOldBlue',
      'UnblockWrites',
    ]);
    // The stream is left running through the refusal (a later fail-back can still use it; only the
    // retention's end removes it); old blue never took writes; the session was closed; the new primary
    // takes writes again and kept its name.
    const steps = world.failBackDb.filter((c) =>
      /^(openOldBlue|makeWritable|closeOldBlue|unblockWrites|stopReverse)/.test(c),
    );
    expect(steps.slice(0, 3)).toEqual([
      'openOldBlue orders-db-old1.example',
      'closeOldBlue orders-db-old1.example',
      'unblockWrites orders-db.example',
    ]);
    expect(steps.slice(3).every((c) => c.startsWith('stopReverse'))).toBe(true);
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([]);
    const refused = world.published.find((p) => p.subject.endsWith('fail-back-refused'));
    expect(refused?.message).toContain(
      'old blue lacks sequence(s) the new primary has (public.orders_id_seq)',
    );
    expect(run.rollbackWindows.length).toBeGreaterThanOrEqual(1);
  });

  it('unblocks writes when the reverse stream cannot be removed, without making old blue writable, and offers no second fail-back', async () => {
    const { world, run, branch } = await failBack({ reverseStopFails: true });
    expect(branch.slice(branch.indexOf('HandOverToOldBlue'), branch.indexOf('UnblockWrites') + 1)).toEqual([
      'HandOverToOldBlue',
      'HandOverBegun',
      'UnblockWrites',
    ]);
    // The stream is (partly) gone, so old blue is not current: the window does not reopen.
    expect(run.rollbackWindows).toHaveLength(1);
    expect(branch).toContain('KeepOldBlue');
    expect(world.failBackDb).not.toContain('makeWritable orders-db-old1.example');
    expect(world.failBackDb).toContain('closeOldBlue orders-db-old1.example');
    expect(world.failBackDb).toContain('unblockWrites orders-db.example');
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([]);
    const refused = world.published.find((p) => p.subject.endsWith('fail-back-refused'));
    expect(refused?.message).toContain('reverse stream not fully removed');
  });

  it('refuses at once when the reverse stream is broken, naming its state', async () => {
    const { world, branch } = await failBack({ reverseStatuses: [{ state: 'broken', lag: null }] });
    expect(branch.slice(2, 7)).toEqual([
      'BlockWritesOnNewPrimary',
      'CheckReverseCatchUp',
      'IsReverseCaughtUp',
      'ReverseNotConverged',
      'UnblockWrites',
    ]);
    const refused = world.published.find((p) => p.subject.endsWith('fail-back-refused'));
    expect(refused?.message).toContain('the reverse stream is broken');
    // A broken stream is refused at its first read, without nudging it.
    expect(world.reverseCalls.filter((c) => c.startsWith('nudge'))).toEqual([]);
  });

  it('undoes the first rename when the second fails, unblocks writes, and never lets cleanup delete old blue', async () => {
    const { world, run, branch } = await failBack({ renameFailsAt: 2 });
    expect(branch).toContain('RestoreProductionName');
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([
      'rename orders-db -> orders-db-failed1',
      'rename orders-db-old1 -> orders-db',
      'rename orders-db-failed1 -> orders-db',
    ]);
    // Defined state: the new primary serves the production name and takes writes; old blue read-only again.
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
    expect(world.instances.get('orders-db-old1')?.resourceId).toBe(BLUE_RESOURCE);
    // (then the retention's end removes the reverse stream, already stopped: stop is idempotent)
    expect(world.failBackDb.slice(-3)).toEqual([
      'unblockWrites orders-db.example',
      'makeReadOnly orders-db-old1.example',
      'stopReverse orders-db.example -> orders-db-old1.example',
    ]);
    // No second fail-back after renames were tried: the window does not reopen; old blue is kept.
    expect(run.rollbackWindows).toHaveLength(1);
    expect(branch).toContain('KeepOldBlue');
    // Old blue was marked production before its rename was tried: Cleanup refuses to prove it old blue.
    expect(destructive(world.calls)).toEqual([]);
    expect(run.error).toBe('Switchyard.CleanupIncomplete');
    expect(subjects(world)).toEqual([
      '[Switchyard] orders-db: fail-back-refused',
      '[Switchyard] orders-db: cleanup-held',
    ]);
    expect(world.published[0]?.message).toContain('ModifyDBInstance orders-db-old1 failed');
  });

  it('keeps a held Blue/Green object after the fail-back and says so; the fail-back stands', async () => {
    const { world, run, branch } = await failBack({
      duringRetention: ({ deployments }) => {
        for (const d of deployments.values()) d.tags['switchyard:hold'] = 'ops@example.com 2026-11-22';
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(branch.slice(-3)).toEqual(['DeleteDeploymentAfterFailBack', 'NotifyFailedBack', 'FailedBack']);
    expect(destructive(world.calls)).toEqual([]);
    expect(world.published.at(-1)?.message).toMatch(
      /Blue\/Green deployment \S+ kept: held \(switchyard:hold=ops@example.com/,
    );
  });

  it('reports a Blue/Green object it could not delete (AWS keeps failing); the fail-back stands', async () => {
    const { world, run, branch } = await failBack({ throttle: { deleteDeployment: 99 } });
    expect(run.status).toBe('SUCCEEDED');
    expect(branch.slice(-3)).toEqual(['DeleteDeploymentAfterFailBack', 'NotifyFailedBack', 'FailedBack']);
    expect(destructive(world.calls)).toEqual([]);
    expect(world.published.at(-1)?.message).toContain(
      'Blue/Green deployment not deleted (AwsThrottledError: deleteDeployment was throttled (scripted))',
    );
  });

  it('skips the undo when the first rename itself fails: nothing moved', async () => {
    const { world, branch } = await failBack({ renameFailsAt: 1 });
    expect(
      branch.slice(branch.indexOf('RenameNewPrimaryAside'), branch.indexOf('RenameNewPrimaryAside') + 4),
    ).toEqual(['RenameNewPrimaryAside', 'RestoreProductionName', 'IsRestoreRenaming', 'UnblockWrites']);
    expect(world.calls.filter((c) => c.startsWith('rename'))).toEqual([
      'rename orders-db -> orders-db-failed1',
    ]);
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
  });

  it('holds and pages with the exact names when a rename never completes and cannot be undone', async () => {
    const { world, run, branch } = await failBack({ renameNeverAvailable: true });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.FailBackIncomplete');
    expect(branch).toContain('RenameDeadlinePassed');
    expect(branch.slice(-3)).toEqual(['IsProductionRestored', 'NotifyFailBackStuck', 'FailBackIncomplete']);
    expect(destructive(world.calls)).toEqual([]);
    const page = world.published.at(-1)!;
    expect(page.subject).toBe('[Switchyard] orders-db: fail-back-stuck');
    expect(page.message).toContain(GREEN_RESOURCE);
    expect(page.message).toContain(BLUE_RESOURCE);
    expect(page.message).toContain('orders-db-failed1');
    expect(page.message).toContain('Runbook');
  });

  it('holds and pages when verification fails after the fail-back; both instances kept', async () => {
    const { world, run, branch } = await failBack({ readOnlyAfterFailBack: true });
    expect(run.error).toBe('Switchyard.FailedAfterFailBack');
    expect(branch.slice(-5)).toEqual([
      'VerifyAfterFailBack',
      'IsFailBackVerified',
      'FailBackVerificationFailed',
      'NotifyFailedAfterFailBack',
      'FailedAfterFailBack',
    ]);
    expect(world.instances.get('orders-db')?.resourceId).toBe(BLUE_RESOURCE);
    expect(world.instances.get('orders-db-failed1')?.resourceId).toBe(GREEN_RESOURCE);
    expect(destructive(world.calls)).toEqual([]);
    expect(world.published.at(-1)?.message).toContain('still refuses writes');
  });

  it('refuses without touching anything when old blue is on hold', async () => {
    const { world, branch } = await failBack({
      duringRetention: ({ instances }) => {
        instances.get('orders-db-old1')!.tags['switchyard:hold'] = 'ops@example.com 2026-11-22';
      },
    });
    expect(branch.slice(0, 7)).toEqual([
      'OpenRollbackWindow',
      'CountFailBackAttempt',
      'BlockWritesOnNewPrimary',
      // Nothing changed: the window reopens for what is left of it, not the whole retention again.
      'MeasureRollbackWindow',
      'ReopenRollbackWindowAfterRefusal',
      'NotifyFailBackRefused',
      'MayFailBackAgain',
    ]);
    // No fail-back SQL ran; only the window's end removed the reverse stream.
    expect(world.failBackDb).toEqual(['stopReverse orders-db.example -> orders-db-old1.example']);
    expect(world.published[0]?.message).toContain('switchyard:hold');
  });

  it('ends the window by its timeout into cleanup when nobody fails back', async () => {
    const { world, run, branch } = await failBack({}, 0);
    expect(branch.slice(0, 3)).toEqual(['OpenRollbackWindow', 'EndReverseReplication', 'Cleanup']);
    expect(run.status).toBe('SUCCEEDED');
    expect(world.failBackDb).toEqual(['stopReverse orders-db.example -> orders-db-old1.example']);
    expect(world.instances.has('orders-db-old1')).toBe(false);
  });
});
