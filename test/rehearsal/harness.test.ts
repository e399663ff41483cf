/**
 * The harness stops everything it started, also when the rehearsal is interrupted: during the
 * emulator's start (its PostgreSQL comes up after the abort) and in the middle of the run.
 */
import { describe, expect, it } from 'vitest';
import { livePostgresPids } from '../../emulator/index.ts';
import { RehearsalAbortedError, rehearse } from '../../rehearsal/index.ts';
import { postgresChildren } from './support.ts';

describe('rehearse interrupted', () => {
  it('while the emulator starts: rejects RehearsalAbortedError and leaves no PostgreSQL running', async () => {
    // Prepare
    const stop = new AbortController();
    // Act
    const run = rehearse({
      autoApprove: true,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'phase' && e.message.startsWith('starting the emulator'))
          setImmediate(() => stop.abort());
      },
    });
    // Assess
    await expect(run).rejects.toBeInstanceOf(RehearsalAbortedError);
    // The emulator was still starting when the abort came: nothing of it may come up afterwards.
    const seen = new Set<number>();
    for (let waited = 0; waited < 10_000; waited += 250) {
      for (const pid of [...livePostgresPids(), ...postgresChildren()]) seen.add(pid);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...seen]).toEqual([]);
  }, 120_000);

  it('while green is built: rejects RehearsalAbortedError, runs no Task afterwards, leaves no PostgreSQL running', async () => {
    // Prepare
    const stop = new AbortController();
    const statesAfterAbort: string[] = [];
    // Act
    const run = rehearse({
      autoApprove: true,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type !== 'state') return;
        if (stop.signal.aborted) statesAfterAbort.push(e.state);
        // The green build is waited for on RDS's events (AwaitGreenEvent), the poll only as a fallback.
        if (e.state === 'AwaitGreenEvent') stop.abort();
      },
    });
    // Assess
    await expect(run).rejects.toBeInstanceOf(RehearsalAbortedError);
    expect(livePostgresPids()).toEqual([]);
    expect(postgresChildren()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(statesAfterAbort).toEqual([]);
  }, 120_000);
});
