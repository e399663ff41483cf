/**
 * What a scenario does to the run beyond the emulator's injected faults (`Scenario.faults`): acts a
 * person or an application would take at a given point of the run, each keyed on a field of the
 * scenario. A hook runs at most once per rehearsal (each factory's closure holds its own flag) and
 * says what it did through `ctx.fault`, which the progress view prints.
 */
import type { Emulator } from '../emulator/index.ts';
import { clickLink } from './approval-driver.ts';
import { changeRowOnGreen } from './data-drift.ts';
import { runOnBlue } from './ddl-on-blue.ts';
import { SOURCE_ID } from './input.ts';
import type { RunObserver } from './observer.ts';
import { type Scenario, VERIFY_ALARM } from './scenarios.ts';
import { createSchemaHazards } from './schema-hazards.ts';
import type { EndpointConfig } from './write-load.ts';

export interface HookContext {
  emulator: Emulator;
  observer: RunObserver;
  /** Reports an act to the progress view (a `fault` event). */
  fault: (message: string) => void;
}

/** An act at a Task: with the Task's payload (before it runs) or its result (after it returned). */
export type TaskAct = (ctx: HookContext, functionKey: string, payloadOrResult: unknown) => Promise<void>;

export interface FaultHook {
  /** On blue through its endpoint, before the write load starts and the run begins. */
  beforeRun?: (ctx: HookContext, endpoint: EndpointConfig) => Promise<void>;
  /** Before the Task bound to `functionKey` runs, with its payload. */
  beforeTask?: TaskAct;
  /** After that Task returned, with its result (the observer has already recorded it). */
  afterTask?: TaskAct;
}

/** A hook factory returns the scenario's hook, or null when the scenario does not ask for it. */
type HookFactory = (scenario: Scenario) => FaultHook | null;

/** Runs `act` at the first Task bound to `key`, never again. */
const once = (key: string, act: TaskAct): TaskAct => {
  let done = false;
  return async (ctx, functionKey, value) => {
    if (done || functionKey !== key) return;
    done = true;
    await act(ctx, functionKey, value);
  };
};

const FACTORIES: HookFactory[] = [
  // schema-hazards: blue gets the objects Preflight must refuse, before anything else happens.
  (s) =>
    s.schemaHazards
      ? {
          beforeRun: async (ctx, endpoint) => {
            await createSchemaHazards(endpoint);
            ctx.fault('created the schema hazards on blue');
          },
        }
      : null,
  // verify-fails: the switch has completed (Verify follows only a completed switch): the new primary starts failing.
  (s) =>
    s.alarmAfterSwitch
      ? {
          beforeTask: once('verify', async (ctx) => {
            ctx.emulator.setAlarmState(VERIFY_ALARM, 'ALARM');
            ctx.fault(`alarm ${VERIFY_ALARM} set to ALARM after the switch`);
          }),
        }
      : null,
  // sequence-behind: the switch has completed, the original name now serves green.
  (s) => {
    const sql = s.onGreenAfterSwitch;
    return sql
      ? {
          beforeTask: once('verify', async (ctx) => {
            await runOnBlue(ctx.emulator.connectionConfig(SOURCE_ID), sql);
            ctx.fault(`on the new primary: ${sql}`);
          }),
        }
      : null;
  },
  // data-drift: green has caught up (ValidateData follows converged lag): a person edits a row on green.
  (s) =>
    s.driftOnGreen
      ? {
          beforeTask: once('validateData', async (ctx, _key, payload) => {
            const greenId = (payload as { greenInstanceId: string }).greenInstanceId;
            const row = await changeRowOnGreen(ctx.emulator.connectionConfig(greenId));
            ctx.observer.drifted = row;
            ctx.fault(`changed ${row.table} id ${row.id} directly on ${greenId}`);
          }),
        }
      : null,
  // ddl-during-replication: after the first lag check, as a person would; the guard must see it at the next one.
  (s) => {
    const sql = s.ddlOnBlueDuringLag;
    return sql
      ? {
          afterTask: once('checkLag', async (ctx) => {
            ctx.observer.lagChecksAtDdl = ctx.observer.lagChecks;
            await runOnBlue(ctx.emulator.connectionConfig(SOURCE_ID), sql);
            ctx.fault(`on blue: ${sql}`);
          }),
        }
      : null;
  },
  // fail-back: the rollback window is open (its e-mail went through SNS); the approver clicks the
  // "Fail back" link after a while, as a person would, while the load keeps writing on the new primary.
  // In the background: OpenRollbackWindow must return first so the execution waits for the decision.
  (s) => {
    const afterMs = s.failBackAfterMs;
    return afterMs === undefined
      ? null
      : {
          afterTask: once('openRollbackWindow', async (ctx, _key, result) => {
            const windowId = (result as { windowId: string }).windowId;
            const link = failBackLinkFromOutbox(ctx.emulator.outbox(), windowId);
            ctx.observer.failBack = { windowId, link: link ?? null, clicked: null, error: null };
            const fb = ctx.observer.failBack;
            if (!link) {
              fb.error = `the fail-back e-mail for window ${windowId} is not in the SNS outbox`;
              return;
            }
            ctx.fault(`rollback window ${windowId} open; clicking "Fail back" in ${afterMs} ms`);
            setTimeout(() => {
              void clickLink(link, 'Rehearsal: the fail-back scenario fails back.')
                .then((r) => {
                  fb.clicked = { status: r.status, title: r.title, at: Date.now() };
                  ctx.fault(`clicked "Fail back": ${r.status} ${r.title}`);
                })
                .catch((err: unknown) => {
                  fb.error = (err as Error).message;
                });
            }, afterMs);
          }),
        };
  },
];

/** The "Fail back" link of window `windowId` in the e-mails SNS carried (fail-back-messages.ts: "Fail back (who): URL"). */
export const failBackLinkFromOutbox = (
  outbox: Array<{ message: string }>,
  windowId: string,
): string | undefined => {
  for (const m of [...outbox].reverse()) {
    const link = /^Fail back \([^)]*\):\s+(\S+)/m.exec(m.message)?.[1];
    if (link?.includes(`/${windowId}?`)) return link;
  }
  return undefined;
};

/** The hooks of `scenario`, in the order they were declared. */
export const faultHooksFor = (scenario: Scenario): FaultHook[] =>
  FACTORIES.map((f) => f(scenario)).filter((h): h is FaultHook => h !== null);
