/** The rehearsal's switchover stall window: from Switchover entered until the run leaves the switch's wait loop. */
import { describe, expect, it } from 'vitest';
import { readRawDefinition } from '../../local/definition.ts';
import { RunObserver, SWITCH_LOOP } from '../../rehearsal/observer.ts';

type State = {
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ Next: string }>;
};

const transitions = (s: State): string[] => [
  ...(s.Next ? [s.Next] : []),
  ...(s.Default ? [s.Default] : []),
  ...(s.Choices ?? []).map((c) => c.Next),
];

describe('SWITCH_LOOP', () => {
  it('holds every state the switch waits in: only IsSwitchoverDone’s verdicts leave it', () => {
    const states = (readRawDefinition() as { States: Record<string, State> }).States;
    for (const name of SWITCH_LOOP) expect(states[name], name).toBeDefined();
    // The exits are IsSwitchoverDone's choices (done, failed, unresolved); every other transition of a
    // loop state (its Next, the Choice's Default: the wait) must stay in the loop.
    const exits = new Set((states.IsSwitchoverDone?.Choices ?? []).map((c) => c.Next));
    const escapes = [...SWITCH_LOOP].flatMap((name) =>
      transitions(states[name] ?? {})
        .filter((next) => !SWITCH_LOOP.has(next) && !exits.has(next))
        .map((next) => `${name} → ${next}`),
    );
    expect(escapes).toEqual([]);
  });
});

describe('RunObserver.switchWindow', () => {
  it('ends when the run leaves the loop, event waits included', () => {
    const observer = new RunObserver(0);
    const at = (state: string, t: number) =>
      observer.onRunEvent({ type: 'StateEntered', state, at: t } as never);
    at('ValidateBeforeSwitch', 900);
    at('Switchover', 1000);
    at('CheckSwitchover', 1040);
    at('IsSwitchoverDone', 1042);
    at('AwaitSwitchoverEvent', 1043);
    at('CheckSwitchover', 1300);
    at('IsSwitchoverDone', 1305);
    at('ReleaseDdlGuard', 1306);
    expect(observer.switchWindow()).toEqual({ start: 1000, end: 1306 });
  });
});
