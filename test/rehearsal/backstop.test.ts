/**
 * The backstop on the real emulator (real PostgreSQL 17 → 18 by logical replication): a run stopped in
 * the lag loop, and a run ended by a States.Runtime error no Catch can take, each end with green deleted
 * by the real reconcile handler (real RDS and SNS SDK clients pointed at the emulator) and a notification
 * in the emulator's SNS outbox. One emulator serves both cases.
 */
import {
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { type LocalExecution, runBackstop, withExecutionReads } from '../../local/backstop.ts';
import { CallbackRegistry, sfnService } from '../../local/callbacks.ts';
import { pipelineHandlers } from '../../local/pipeline-handlers.ts';
import { type RunEvent, runStateMachine } from '../../local/run-state-machine.ts';
import {
  applyRehearsalEnvironment,
  executionArn,
  NOTIFY_TOPIC_ARN,
  rememberPort,
  STATE_MACHINE_ARN,
  stablePort,
} from '../../rehearsal/environment.ts';
import { DB_PASSWORD_PARAMETER } from '../../rehearsal/input.ts';
import { defaultGateways } from '../../src/aws/gateways.ts';
import { makeSfnReader } from '../../src/aws/sfn-gateway.ts';
import { credentials, rdsClient, stopAndCheck, waitUntil } from '../emulator/helpers.ts';
import { passingGate } from '../support/run-path.ts';

const LONG = 180_000;
let emu: Emulator;
const executions = new Map<string, LocalExecution>();
let targetEngineVersion: string;

beforeAll(async () => {
  emu = await startEmulator({
    port: stablePort('emulator'),
    seedRows: 200,
    // DescribeExecution and GetExecutionHistory answered from the local runs: the reconciler's real SFN client reads them.
    jsonServices: [withExecutionReads(sfnService(new CallbackRegistry()), executions)],
  });
  rememberPort('emulator', emu.port);
  applyRehearsalEnvironment(emu.url, emu.caFile);
  // Preflight inspects blue's schema through the `database` block; the password lives in SSM.
  await new SSMClient({ endpoint: emu.url, region: 'us-east-1', credentials }).send(
    new PutParameterCommand({
      Name: DB_PASSWORD_PARAMETER,
      Type: 'SecureString',
      Overwrite: true,
      Value: emu.masterPassword,
    }),
  );
  const versions = await rdsClient(emu).send(
    new DescribeDBEngineVersionsCommand({ Engine: 'postgres', EngineVersion: '17.10' }),
  );
  targetEngineVersion =
    versions.DBEngineVersions?.[0]?.ValidUpgradeTarget?.map((t) => t.EngineVersion ?? '').find((v) =>
      v.startsWith('18'),
    ) ?? '18.4';
}, LONG);

afterAll(async () => {
  await stopAndCheck(emu);
});

/** A 17 → 18 run with second-scale polls and no approval (the backstop, not the approval, is under test). */
const input = () => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: targetEngineVersion, dbParameterGroupName: 'orders-pg18' },
  lag: { maxSeconds: 5, maxBytes: 1_000_000, stableSamples: 3, pollSeconds: 1, deadlineMinutes: 2 },
  green: { readyDeadlineMinutes: 3, pollSeconds: 1 },
  approval: { required: false },
  database: { name: 'postgres', user: 'postgres', passwordParameter: DB_PASSWORD_PARAMETER },
  switchover: { timeoutSeconds: 60, pollSeconds: 1 },
  verify: { bakeMinutes: 0.05, pollSeconds: 1 },
  retention: { keepOldBlueHours: 0.001 },
});

const runThenBackstop = async (
  name: string,
  faults: {
    abortWhen?: (e: RunEvent) => boolean;
    rewrite?: (key: string, result: unknown) => unknown;
    /** leave the end unreconciled (for the sweep) */
    noBackstop?: boolean;
  },
) => {
  const gateways = defaultGateways();
  const handlers = pipelineHandlers(gateways, passingGate);
  const arn = executionArn(name);
  const doc = input();
  const stop = new AbortController();
  const startedAt = Date.now();
  const result = await runStateMachine({
    input: doc,
    executionId: arn,
    callbacks: new CallbackRegistry(),
    abortSignal: stop.signal,
    onEvent: (e) => {
      if (faults.abortWhen?.(e)) stop.abort();
    },
    invoke: async (key, payload) => {
      const out = await handlers[key]!(payload, {});
      return faults.rewrite ? faults.rewrite(key, out) : out;
    },
  });
  const execution: LocalExecution = {
    executionArn: arn,
    stateMachineArn: STATE_MACHINE_ARN,
    input: doc,
    startedAt,
    result,
  };
  executions.set(arn, execution);
  if (faults.noBackstop) return { result, backstop: null, arn };
  // What EventBridge does when the run ends; the handler reads the execution through the real SFN client.
  const backstop = await runBackstop(execution, gateways, [], makeSfnReader(new SFNClient({})));
  return { result, backstop, arn };
};

/** Green and its deployment gone, seen through the RDS API (deletion is asynchronous in RDS and here). */
const expectGreenGone = async () => {
  const rds = rdsClient(emu);
  const left = await waitUntil(
    'green and its deployment to be deleted',
    async () => {
      const deployments =
        (await rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments ?? [];
      const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
      const ids = instances.map((i) => i.DBInstanceIdentifier);
      return deployments.length === 0 && ids.length === 1 ? ids : false;
    },
    60_000,
    250,
  );
  expect(left).toEqual(['orders-db']);
};

describe('the backstop on the real emulator', () => {
  it(
    'deletes green and notifies when the run is stopped during the lag loop',
    async () => {
      // Act
      const { result, backstop, arn } = await runThenBackstop('backstop-abort', {
        abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitForLag',
      });
      // Assess
      expect(result.status).toBe('ABORTED');
      expect(result.states).toContain('WaitForLag');
      expect(result.states).not.toContain('Compensate');
      expect(backstop?.error).toBeNull();
      expect(backstop?.outcome).toMatchObject({ executionArn: arn, action: 'compensate' });
      await expectGreenGone();
      const sent = emu.outbox().filter((m) => m.message.includes(arn));
      expect(sent.map((m) => m.subject)).toEqual(['[Switchyard] orders-db: backstop compensate']);
      expect(sent[0]?.message).toMatch(/Ended: ABORTED in state (WaitForLag|CheckLag|IsLagConverged)\n/);
      expect(sent[0]?.messageAttributes.kind?.StringValue).toBe('backstop');
    },
    LONG,
  );

  it(
    'deletes green and notifies when a missing path ends the run with States.Runtime',
    async () => {
      // Act: CheckLag's result loses `checkedAt`, which its ResultSelector reads (a handler/ASL drift).
      const { result, backstop, arn } = await runThenBackstop('backstop-runtime', {
        rewrite: (key, out) => {
          if (key !== 'checkLag') return out;
          const { checkedAt: _dropped, ...rest } = out as Record<string, unknown>;
          return rest;
        },
      });
      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('States.Runtime');
      expect(result.states.at(-1)).toBe('CheckLag');
      expect(backstop?.outcome).toMatchObject({ executionArn: arn, action: 'compensate' });
      await expectGreenGone();
      const sent = emu.outbox().filter((m) => m.message.includes(arn));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.message).toContain('Ended: FAILED with States.Runtime in state CheckLag');
    },
    LONG,
  );

  it(
    '`switchyard reconcile --all` sweeps a stopped run the status-change event never reached',
    async () => {
      // Prepare: a run stopped in the lag loop whose event was lost (EventBridge delivers on a best-effort basis).
      const { result, arn } = await runThenBackstop('backstop-sweep', {
        abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitForLag',
        noBackstop: true,
      });
      expect(result.status).toBe('ABORTED');
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
      // Act
      const { run } = await import('../../bin/commands/reconcile.ts');
      const code = await run([
        '--all',
        '--state-machine',
        STATE_MACHINE_ARN,
        '--topic',
        NOTIFY_TOPIC_ARN,
      ]).finally(() => log.mockRestore());
      // Assess
      expect(code).toBe(0);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^${arn}: compensate — deployment bgd-`))]);
      await expectGreenGone();
      expect(
        emu
          .outbox()
          .filter((m) => m.message.includes(arn))
          .map((m) => m.subject),
      ).toEqual(['[Switchyard] orders-db: backstop compensate']);
    },
    LONG,
  );
});
