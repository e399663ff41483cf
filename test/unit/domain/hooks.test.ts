import { describe, expect, it } from 'vitest';
import { historyBudget } from '#domain/budget';
import {
  type DeclaredHooks,
  HOOK_SUMMARY_MAX_CHARS,
  hookEnvironment,
  judgeHookAttempt,
  NO_DECLARED_HOOKS,
  type PlannedHook,
  planHooks,
  undeclaredHookProblems,
} from '#domain/hooks';
import { validateExecutionInput } from '#domain/input';

const valid = (hooks: unknown) => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4' },
  approval: { approvers: ['dba@example.com'] },
  hooks,
});

const problemsOf = (hooks: unknown): string[] => {
  const verdict = validateExecutionInput(valid(hooks));
  return verdict.ok ? [] : verdict.problems;
};

const plannedOf = (hooks: unknown) => {
  const verdict = validateExecutionInput(valid(hooks));
  if (!verdict.ok) throw new Error(verdict.problems.join('\n'));
  return planHooks(verdict.input.hooks);
};

describe('hooks in the input document', () => {
  it.each([
    [
      { greenReady: { name: 'suite', lambda: { functionName: 'bad name!' } } },
      'hooks.greenReady[0].lambda.functionName: must be a Lambda function name or ARN',
    ],
    [
      { greenReady: { name: 'suite' } },
      'hooks.greenReady[0]: give exactly one of lambda, codebuild, ecs, http',
    ],
    [
      { greenReady: { name: 'suite', lambda: { functionName: 'f' }, codebuild: { projectName: 'p1' } } },
      'hooks.greenReady[0]: gives lambda and codebuild; give exactly one',
    ],
    [
      { greenReady: { name: 'suite', command: 'npm test' } },
      'hooks.greenReady[0].command: runs only in the local rehearsal',
    ],
    [
      {
        beforeSwitch: {
          name: 'ci',
          http: {
            url: 'http://ci.example.com',
            method: 'POST',
            connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/abc',
          },
        },
      },
      'hooks.beforeSwitch[0].http.url: must be an https:// URL',
    ],
    [
      {
        beforeSwitch: {
          name: 'ci',
          http: {
            url: 'https://ci.example.com',
            method: 'GET',
            connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/abc',
          },
        },
      },
      'hooks.beforeSwitch[0].http.method: must be POST, PUT or PATCH',
    ],
    [
      { greenReady: { name: 'suite', lambda: { functionName: 'f' }, retries: 4 } },
      'hooks.greenReady[0].retries',
    ],
    [
      { greenReady: { name: 'suite', lambda: { functionName: 'f' }, timeoutSeconds: 901 } },
      'hooks.greenReady[0].timeoutSeconds: is at most 900 for lambda hooks',
    ],
    [
      { greenReady: { name: 'suite', lambda: { functionName: 'f' }, onFailure: 'ignore' } },
      'hooks.greenReady[0].onFailure: must be "abort" or "warn"',
    ],
    [
      {
        greenReady: { name: 'x', lambda: { functionName: 'f' } },
        afterSwitch: { name: 'x', lambda: { functionName: 'g' } },
      },
      'hooks.afterSwitch[0].name: "x" is already the name of hooks.greenReady[0]',
    ],
    [
      { greenReady: Array.from({ length: 6 }, (_, i) => ({ name: `h${i}`, lambda: { functionName: 'f' } })) },
      'hooks.greenReady: at most 5 hooks per point',
    ],
    [{ duringBake: [] }, 'hooks.duringBake: unknown field'],
    [
      {
        greenReady: {
          name: 'e',
          ecs: {
            cluster: 'ci',
            taskDefinition: 'tests',
            subnets: ['subnet-0abc1234', 'net-1'],
            containerName: 'c',
          },
        },
      },
      'hooks.greenReady[0].ecs.subnets[1]: must be a subnet id',
    ],
  ])('refuses %j with a message naming the field', (hooks, message) => {
    const problems = problemsOf(hooks);
    expect(
      problems.some((p) => p.startsWith(message) || p.includes(message)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('accepts one hook or a list, fills defaults, and plans every point', () => {
    const plan = plannedOf({
      greenReady: { name: 'suite', lambda: { functionName: 'green-tests' } },
      beforeSwitch: [
        {
          name: 'ci',
          http: {
            url: 'https://ci.example.com/h',
            method: 'POST',
            connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/abc',
          },
        },
      ],
    });
    expect(plan.at).toEqual({
      beforeCreate: false,
      greenReady: true,
      beforeSwitch: true,
      afterSwitch: false,
      afterCleanup: false,
    });
    expect(plan.greenReady[0]).toMatchObject({
      name: 'suite',
      kind: 'lambda',
      point: 'greenReady',
      index: 0,
      timeoutSeconds: 300,
      retries: 0,
      onFailure: 'abort',
      label: 'greenReady[0] suite (lambda green-tests)',
    });
    // An HTTP task waits at most 60 s, so its default timeout is 60.
    expect(plan.beforeSwitch[0]?.timeoutSeconds).toBe(60);
    expect(plan.afterCleanup).toEqual([]);
  });

  it('counts hooks in the history budget, beforeSwitch once per switch attempt', () => {
    const base = {
      green: { readyDeadlineMinutes: 60, pollSeconds: 60 },
      lag: { deadlineMinutes: 60, pollSeconds: 30 },
      switchover: { timeoutSeconds: 300, pollSeconds: 5 },
      verify: { bakeMinutes: 15, pollSeconds: 60 },
    };
    const without = historyBudget(base).total;
    const green = historyBudget({ ...base, hooks: { greenReady: [{ retries: 0 }] } }).total;
    const before = historyBudget({ ...base, hooks: { beforeSwitch: [{ retries: 0 }] } }).total;
    expect(green - without).toBe(17 + 6 + 17);
    expect(before - without).toBe(4 * (17 + 6 + 17));
  });
});

describe('hooks declared at deploy time', () => {
  const declared: DeclaredHooks = {
    lambdaFunctions: ['green-tests', 'arn:aws:lambda:us-east-1:123456789012:function:ci-notify'],
    codebuildProjects: ['orders-regression'],
    ecsTasks: [{ cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/ci', taskDefinition: 'orders-tests' }],
    httpEndpoints: [
      {
        connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/abc',
        urlPrefix: 'https://ci.example.com/',
      },
    ],
  };

  it('accepts names and ARNs of declared targets', () => {
    const plan = plannedOf({
      greenReady: [
        { name: 'a', lambda: { functionName: 'arn:aws:lambda:us-east-1:123456789012:function:green-tests' } },
        { name: 'b', lambda: { functionName: 'ci-notify' } },
        { name: 'c', codebuild: { projectName: 'orders-regression' } },
        {
          name: 'd',
          ecs: {
            cluster: 'ci',
            taskDefinition: 'orders-tests:7',
            subnets: ['subnet-0abc1234'],
            containerName: 't',
          },
        },
      ],
    });
    expect(undeclaredHookProblems(plan, declared)).toEqual([]);
  });

  it('refuses each undeclared target, naming the field and the deploy-config key', () => {
    const plan = plannedOf({
      beforeCreate: {
        name: 'a',
        lambda: { functionName: 'arn:aws:lambda:us-east-1:999999999999:function:ci-notify' },
      },
      greenReady: { name: 'c', codebuild: { projectName: 'other' } },
    });
    expect(undeclaredHookProblems(plan, declared)).toEqual([
      expect.stringMatching(/^hooks\.beforeCreate\[0\]\.lambda: .*add it to hooks\.lambdaFunctions/),
      expect.stringMatching(/^hooks\.greenReady\[0\]\.codebuild: .*add it to hooks\.codebuildProjects/),
    ]);
    expect(undeclaredHookProblems(plan, NO_DECLARED_HOOKS)).toHaveLength(2);
  });
});

describe('judgeHookAttempt', () => {
  const hook = (over: Partial<PlannedHook> = {}): PlannedHook => ({
    name: 'suite',
    point: 'greenReady',
    index: 0,
    kind: 'lambda',
    label: 'greenReady[0] suite (lambda f)',
    timeoutSeconds: 60,
    retries: 1,
    onFailure: 'abort',
    lambda: { functionName: 'f' },
    ...over,
  });
  const failed = { result: null, error: { Error: 'AssertionError', Cause: '2 of 14 failed' } };

  it('passes a clean attempt', () => {
    const r = judgeHookAttempt(hook(), { result: { payload: { ok: true } }, error: null }, 0, 1234);
    expect(r).toMatchObject({
      outcome: 'passed',
      next: 'continue',
      attempts: 1,
      durationMs: 1234,
      cause: null,
    });
  });

  it('retries while retries are left, then aborts with a cause naming the hook', () => {
    expect(judgeHookAttempt(hook(), failed, 0, 10).next).toBe('retry');
    const last = judgeHookAttempt(hook(), failed, 1, 10);
    expect(last).toMatchObject({ outcome: 'failed', next: 'abort', attempts: 2 });
    expect(last.cause).toBe(
      'hook greenReady[0] suite (lambda f) failed after 2 attempt(s) (onFailure abort): AssertionError: 2 of 14 failed',
    );
  });

  it('goes on with warn, and calls a timeout timed-out', () => {
    const r = judgeHookAttempt(
      hook({ onFailure: 'warn', retries: 0 }),
      { result: null, error: { Error: 'States.Timeout' } },
      0,
      60_000,
    );
    expect(r).toMatchObject({ outcome: 'timed-out', next: 'continue', cause: null });
  });

  it('fails a Lambda that returns ok: false and an ECS container that exits non-zero', () => {
    expect(
      judgeHookAttempt(hook({ retries: 0 }), { result: { payload: { ok: false } }, error: null }, 0, 1)
        .outcome,
    ).toBe('failed');
    const ecs = hook({
      kind: 'ecs',
      retries: 0,
      ecs: { cluster: 'c', taskDefinition: 't', subnets: [], securityGroups: [], containerName: 'tests' },
    });
    const exited = judgeHookAttempt(
      ecs,
      { result: { containers: [{ Name: 'tests', ExitCode: 2 }], stoppedReason: 'done' }, error: null },
      0,
      1,
    );
    expect(exited.summary).toContain('container "tests" exited 2');
    const clean = judgeHookAttempt(
      ecs,
      { result: { containers: [{ Name: 'tests', ExitCode: 0 }], stoppedReason: 'done' }, error: null },
      0,
      1,
    );
    expect(clean.outcome).toBe('passed');
  });

  it('truncates the output summary', () => {
    const r = judgeHookAttempt(hook(), { result: { payload: { log: 'x'.repeat(5000) } }, error: null }, 0, 1);
    expect(r.summary).toHaveLength(HOOK_SUMMARY_MAX_CHARS);
    expect(r.summary.endsWith('…')).toBe(true);
  });
});

describe('hookEnvironment', () => {
  it('names green, blue and the run engine-neutrally, empty where an instance does not exist', () => {
    const env = Object.fromEntries(
      hookEnvironment({
        point: 'beforeCreate',
        executionId: 'arn:x',
        release: null,
        engine: 'postgres',
        green: null,
        blue: { instanceId: 'orders-db', host: 'orders-db.example', port: 5432, engineVersion: '17.4' },
      }).map((v) => [v.Name, v.Value]),
    );
    expect(env).toMatchObject({
      SWITCHYARD_HOOK_POINT: 'beforeCreate',
      SWITCHYARD_RELEASE: '',
      SWITCHYARD_GREEN_HOST: '',
      SWITCHYARD_BLUE_HOST: 'orders-db.example',
      SWITCHYARD_BLUE_PORT: '5432',
      SWITCHYARD_ENGINE: 'postgres',
    });
  });
});
