/**
 * The user's own steps at five points of a run (issue 13): the input schema of `hooks`, the plan the state
 * machine iterates, the check against what was declared at deploy time (IAM is granted then), the facts a
 * hook receives, and the verdict on each attempt. Pure: no clock, no SDK.
 *
 * A hook is one of: a Lambda function (lambda:invoke), a CodeBuild project (startBuild.sync), an ECS task
 * (runTask.sync) or an HTTPS endpoint (http:invoke with an EventBridge connection). `command` (a local
 * command) exists only in the rehearsal input and is refused here, naming the field.
 */
import { z } from 'zod';
import { readableCause } from './error-envelope.ts';

export const HOOK_POINTS = [
  'beforeCreate',
  'greenReady',
  'beforeSwitch',
  'afterSwitch',
  'afterCleanup',
] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];
export const HOOK_KINDS = ['lambda', 'codebuild', 'ecs', 'http'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** Points after the switch: an abort there holds and pages, it never compensates. */
export const AFTER_SWITCH_POINTS: readonly HookPoint[] = ['afterSwitch', 'afterCleanup'];

export const MAX_HOOKS_PER_POINT = 5;
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 300;
export const MAX_HOOK_RETRIES = 3;
/** The report, notifications and approval page carry at most this many characters of a hook's output. */
export const HOOK_SUMMARY_MAX_CHARS = 500;
/** Ceilings per kind: a Lambda runs at most 900 s; the HTTP task waits at most 60 s for a response. */
export const HOOK_TIMEOUT_CEILING: Record<HookKind, number> = {
  lambda: 900,
  codebuild: 8 * 3600,
  ecs: 24 * 3600,
  http: 60,
};

const LAMBDA_NAME =
  /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9-_]{1,64}(:[a-zA-Z0-9-_$]+)?$/;
const CODEBUILD_PROJECT = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}$/;
const ECS_NAME_OR_ARN = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:[a-z-]+\/)?[A-Za-z0-9\-_/:]{1,255}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:connection\/[\w.\-_]{1,64}\/[\w-]+$/;
const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const isHttpsUrl = (url: string): boolean => {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
};

export const LambdaHookTarget = z.strictObject({
  functionName: z
    .string()
    .regex(
      LAMBDA_NAME,
      'must be a Lambda function name or ARN, e.g. "orders-green-tests" or "arn:aws:lambda:us-east-1:123456789012:function:orders-green-tests"',
    ),
});
export const CodeBuildHookTarget = z.strictObject({
  projectName: z
    .string()
    .regex(CODEBUILD_PROJECT, 'must be a CodeBuild project name (letters, digits, - and _)'),
});
export const EcsHookTarget = z.strictObject({
  cluster: z.string().regex(ECS_NAME_OR_ARN, 'must be an ECS cluster name or ARN'),
  taskDefinition: z
    .string()
    .regex(ECS_NAME_OR_ARN, 'must be a task definition family, family:revision or ARN'),
  subnets: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id such as "subnet-0abc1234"'))
    .min(1, 'name at least one subnet (awsvpc network mode)')
    .max(16),
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as "sg-0abc1234"'))
    .max(5)
    .default([]),
  containerName: z
    .string()
    .min(1, 'name the container that receives the facts as environment variables')
    .max(255),
});
export const HttpHookTarget = z.strictObject({
  url: z.string().refine(isHttpsUrl, 'must be an https:// URL (the HTTP task calls HTTPS endpoints only)'),
  method: z.enum(['POST', 'PUT', 'PATCH'], {
    error: "must be POST, PUT or PATCH: the run's facts are sent as the JSON body",
  }),
  connectionArn: z
    .string()
    .regex(
      CONNECTION_ARN,
      'must be an EventBridge connection ARN (arn:aws:events:<region>:<account>:connection/<name>/<id>)',
    ),
});

export const HookDefinition = z
  .strictObject({
    name: z
      .string()
      .regex(HOOK_NAME, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    lambda: LambdaHookTarget.optional(),
    codebuild: CodeBuildHookTarget.optional(),
    ecs: EcsHookTarget.optional(),
    http: HttpHookTarget.optional(),
    // Only the rehearsal runs local commands; named here so the refusal says so instead of "unknown field".
    command: z.unknown().optional(),
    // Default: DEFAULT_HOOK_TIMEOUT_SECONDS, or the kind's ceiling when lower (an HTTP hook: 60 s).
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .optional(),
    retries: z.number().int().min(0).max(MAX_HOOK_RETRIES).default(0),
    onFailure: z.enum(['abort', 'warn'], { error: 'must be "abort" or "warn"' }).default('abort'),
  })
  .superRefine((hook, ctx) => {
    if (hook.command !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message:
          'runs only in the local rehearsal (rehearsal input or --hook); in an execution input give lambda, codebuild, ecs or http',
      });
      return;
    }
    const kinds = HOOK_KINDS.filter((k) => hook[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          kinds.length === 0
            ? 'give exactly one of lambda, codebuild, ecs, http'
            : `gives ${kinds.join(' and ')}; give exactly one of lambda, codebuild, ecs, http`,
      });
      return;
    }
    const kind = kinds[0]!;
    if (hook.timeoutSeconds !== undefined && hook.timeoutSeconds > HOOK_TIMEOUT_CEILING[kind])
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutSeconds'],
        message: `is at most ${HOOK_TIMEOUT_CEILING[kind]} for ${kind} hooks`,
      });
  });
export type HookDefinition = z.output<typeof HookDefinition>;

/** One hook or a list, at most MAX_HOOKS_PER_POINT; always a list after parsing. */
const HookList = z.preprocess(
  (value) => (value === undefined || Array.isArray(value) ? value : [value]),
  z.array(HookDefinition).max(MAX_HOOKS_PER_POINT, `at most ${MAX_HOOKS_PER_POINT} hooks per point`),
);

export const HooksInput = z
  .strictObject({
    beforeCreate: HookList.optional(),
    greenReady: HookList.optional(),
    beforeSwitch: HookList.optional(),
    afterSwitch: HookList.optional(),
    afterCleanup: HookList.optional(),
  })
  .superRefine((hooks, ctx) => {
    const seen = new Map<string, string>();
    for (const point of HOOK_POINTS) {
      (hooks[point] ?? []).forEach((hook, i) => {
        const where = `${point}[${i}]`;
        const first = seen.get(hook.name);
        if (first)
          ctx.addIssue({
            code: 'custom',
            path: [point, i, 'name'],
            message: `"${hook.name}" is already the name of hooks.${first}; names identify hooks in reports and must be unique`,
          });
        else seen.set(hook.name, where);
      });
    }
  });
export type HooksInput = z.output<typeof HooksInput>;

export interface PlannedHook {
  name: string;
  point: HookPoint;
  index: number;
  kind: HookKind;
  /** "greenReady[0] smoke-suite (lambda orders-green-tests)": how reports and causes name it */
  label: string;
  timeoutSeconds: number;
  retries: number;
  onFailure: 'abort' | 'warn';
  lambda?: { functionName: string };
  codebuild?: { projectName: string };
  ecs?: {
    cluster: string;
    taskDefinition: string;
    subnets: string[];
    securityGroups: string[];
    containerName: string;
  };
  http?: { url: string; method: string; connectionArn: string };
}

export type HookPlan = Record<HookPoint, PlannedHook[]> & { at: Record<HookPoint, boolean> };

export const hookKindOf = (hook: HookDefinition): HookKind => HOOK_KINDS.find((k) => hook[k] !== undefined)!;

const targetOf = (hook: PlannedHook | HookDefinition, kind: HookKind): string =>
  kind === 'lambda'
    ? hook.lambda!.functionName
    : kind === 'codebuild'
      ? hook.codebuild!.projectName
      : kind === 'ecs'
        ? `${hook.ecs!.cluster}/${hook.ecs!.taskDefinition}`
        : `${hook.http!.method} ${hook.http!.url}`;

/** The hooks the state machine iterates, per point (empty lists where none), plus which points have any. */
export const planHooks = (hooks: HooksInput | undefined): HookPlan => {
  const plan = { at: {} } as HookPlan;
  for (const point of HOOK_POINTS) {
    plan[point] = (hooks?.[point] ?? []).map((hook, index) => {
      const kind = hookKindOf(hook);
      const { command: _command, ...rest } = hook;
      return {
        ...rest,
        timeoutSeconds:
          hook.timeoutSeconds ?? Math.min(DEFAULT_HOOK_TIMEOUT_SECONDS, HOOK_TIMEOUT_CEILING[kind]),
        point,
        index,
        kind,
        label: `${point}[${index}] ${hook.name} (${kind} ${targetOf(hook, kind)})`,
      } as PlannedHook;
    });
    plan.at[point] = plan[point].length > 0;
  }
  return plan;
};

/** What was declared at deploy time (infra/hooks.cjs reads the deploy config): IAM exists only for these. */
export interface DeclaredHooks {
  lambdaFunctions: string[];
  codebuildProjects: string[];
  ecsTasks: Array<{ cluster: string; taskDefinition: string }>;
  /** an EventBridge connection and the URL prefix the role may call with it */
  httpEndpoints: Array<{ connectionArn: string; urlPrefix: string }>;
}

export const NO_DECLARED_HOOKS: DeclaredHooks = {
  lambdaFunctions: [],
  codebuildProjects: [],
  ecsTasks: [],
  httpEndpoints: [],
};

/** "arn:…:function:name:alias" and "name" both name the function "name". */
const lambdaName = (nameOrArn: string): string => {
  const m = /:function:([^:]+)/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn.split(':')[0]!;
};
const lastSegment = (nameOrArn: string): string => nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);
/** "family:3", "arn:…:task-definition/family:3" and "family" all belong to the family "family". */
const taskFamily = (definition: string): string => lastSegment(definition).split(':')[0]!;

const isDeclared = (hook: PlannedHook, declared: DeclaredHooks): boolean => {
  switch (hook.kind) {
    case 'lambda': {
      const given = hook.lambda!.functionName;
      return declared.lambdaFunctions.some((d) =>
        given.startsWith('arn:') && d.startsWith('arn:')
          ? lambdaName(d) === lambdaName(given) && given.startsWith(d.replace(/:[^:]*$/, ''))
          : lambdaName(d) === lambdaName(given),
      );
    }
    case 'codebuild':
      return declared.codebuildProjects.includes(hook.codebuild!.projectName);
    case 'ecs':
      return declared.ecsTasks.some(
        (d) =>
          lastSegment(d.cluster) === lastSegment(hook.ecs!.cluster) &&
          taskFamily(d.taskDefinition) === taskFamily(hook.ecs!.taskDefinition),
      );
    case 'http':
      return declared.httpEndpoints.some(
        (d) => d.connectionArn === hook.http!.connectionArn && hook.http!.url.startsWith(d.urlPrefix),
      );
  }
};

const DECLARE_FIX: Record<HookKind, string> = {
  lambda: 'hooks.lambdaFunctions',
  codebuild: 'hooks.codebuildProjects',
  ecs: 'hooks.ecsTasks',
  http: 'hooks.httpEndpoints (connectionArn and urlPrefix)',
};

/** Each input hook the deployment grants no IAM for, naming the field and where to declare it. */
export const undeclaredHookProblems = (plan: HookPlan, declared: DeclaredHooks): string[] =>
  HOOK_POINTS.flatMap((point) =>
    plan[point]
      .filter((hook) => !isDeclared(hook, declared))
      .map(
        (hook) =>
          `hooks.${point}[${hook.index}].${hook.kind}: ${hook.label} was not declared at deploy time, so the state machine has no IAM to run it; add it to ${DECLARE_FIX[hook.kind]} in the deploy config (switchyard.hooks.yml) and deploy again, or remove the hook`,
      ),
  );

/** An instance as a hook sees it. */
export interface HookEndpoint {
  instanceId: string;
  host: string | null;
  port: number | null;
  engineVersion: string;
}

/** The run's facts every hook receives (Lambda payload, HTTP body, CodeBuild/ECS environment). */
export interface HookFacts {
  point: HookPoint;
  executionId: string;
  release: string | null;
  engine: string;
  green: HookEndpoint | null;
  blue: HookEndpoint | null;
  /** the same facts as environment variables, shaped as CodeBuild's EnvironmentVariablesOverride and ECS's Environment */
  environment: Array<{ Name: string; Value: string }>;
}

/** The engine-neutral variables (SWITCHYARD_*), as CodeBuild and ECS receive them. */
export const hookEnvironment = (
  facts: Omit<HookFacts, 'environment'>,
): Array<{ Name: string; Value: string }> => {
  const vars: Record<string, string> = {
    SWITCHYARD_HOOK_POINT: facts.point,
    SWITCHYARD_EXECUTION_ID: facts.executionId,
    SWITCHYARD_RELEASE: facts.release ?? '',
    SWITCHYARD_ENGINE: facts.engine,
  };
  for (const [side, endpoint] of [
    ['GREEN', facts.green],
    ['BLUE', facts.blue],
  ] as const) {
    vars[`SWITCHYARD_${side}_INSTANCE`] = endpoint?.instanceId ?? '';
    vars[`SWITCHYARD_${side}_HOST`] = endpoint?.host ?? '';
    vars[`SWITCHYARD_${side}_PORT`] =
      endpoint?.port === null || endpoint?.port === undefined ? '' : String(endpoint.port);
    vars[`SWITCHYARD_${side}_ENGINE_VERSION`] = endpoint?.engineVersion ?? '';
  }
  return Object.entries(vars).map(([Name, Value]) => ({ Name, Value }));
};

/** One attempt's result as the state machine hands it to RecordHookAttempt: exactly one is non-null. */
export interface HookAttempt {
  result: unknown;
  error: { Error?: string; Cause?: string } | null;
}

export type HookOutcome = 'passed' | 'failed' | 'timed-out';

export interface HookRecord {
  name: string;
  point: HookPoint;
  kind: HookKind;
  label: string;
  outcome: HookOutcome;
  onFailure: 'abort' | 'warn';
  attempts: number;
  durationMs: number;
  /** the hook's output or error, truncated to HOOK_SUMMARY_MAX_CHARS */
  summary: string;
  /** what the state machine does next: try again, go on, or stop the run (compensate or hold) */
  next: 'retry' | 'continue' | 'abort';
  /** the run's error cause when next is abort, naming the hook */
  cause: string | null;
}

export const truncateSummary = (text: string, max = HOOK_SUMMARY_MAX_CHARS): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);

/** Failure a successful integration call can still carry: an ECS container's exit code, a Lambda's `ok: false`. */
const failureInResult = (hook: PlannedHook, result: unknown): string | null => {
  const r = (result ?? {}) as Record<string, unknown>;
  const payload = r.payload as { ok?: unknown } | null | undefined;
  if (hook.kind === 'lambda' && payload?.ok === false) return `returned ok: false: ${asText(payload)}`;
  // runTask.sync succeeds once the task stops, whatever its exit code: the container's exit code decides.
  if (hook.kind === 'ecs') {
    const containers = (r.containers ?? []) as Array<{ Name?: string; ExitCode?: number; Reason?: string }>;
    const container = containers.find((c) => c.Name === hook.ecs!.containerName);
    if (!container)
      return `container "${hook.ecs!.containerName}" not in the stopped task (${asText(r.stoppedReason)})`;
    if (container.ExitCode !== 0)
      return `container "${container.Name}" exited ${container.ExitCode ?? 'without an exit code'}${container.Reason ? ` (${container.Reason})` : ''}; task stopped: ${asText(r.stoppedReason)}`;
  }
  return null;
};

/**
 * Judges one attempt: passed, or failed/timed out with retries left (retry), or out of retries: `warn`
 * goes on and records, `abort` stops the run with a cause naming the hook.
 */
export const judgeHookAttempt = (
  hook: PlannedHook,
  attempt: HookAttempt,
  previousAttempts: number,
  durationMs: number,
): HookRecord => {
  const attempts = previousAttempts + 1;
  const failure = attempt.error
    ? `${attempt.error.Error ?? 'Error'}: ${attempt.error.Cause === undefined ? '' : readableCause(attempt.error.Cause)}`.trim()
    : failureInResult(hook, attempt.result);
  const outcome: HookOutcome = !failure
    ? 'passed'
    : attempt.error?.Error === 'States.Timeout'
      ? 'timed-out'
      : 'failed';
  const summary = truncateSummary(failure ?? asText(attempt.result));
  const next =
    outcome === 'passed'
      ? 'continue'
      : attempts <= hook.retries
        ? 'retry'
        : hook.onFailure === 'abort'
          ? 'abort'
          : 'continue';
  const cause =
    next === 'abort'
      ? truncateSummary(
          `hook ${hook.label} ${outcome} after ${attempts} attempt(s) (onFailure abort): ${summary}`,
          HOOK_SUMMARY_MAX_CHARS + 200,
        )
      : null;
  return {
    name: hook.name,
    point: hook.point,
    kind: hook.kind,
    label: hook.label,
    outcome,
    onFailure: hook.onFailure,
    attempts,
    durationMs,
    summary,
    next,
    cause,
  };
};

/** One line per hook for notifications, the approval request and the report. */
export const hookLines = (records: readonly HookRecord[]): string[] =>
  records.map(
    (r) =>
      `${r.label}: ${r.outcome}${r.outcome === 'passed' ? '' : r.onFailure === 'warn' ? ' (warn: the run went on)' : ''} in ${(r.durationMs / 1000).toFixed(1)} s, ${r.attempts} attempt(s)${r.summary ? ` — ${r.summary}` : ''}`,
  );

/** Input of the HookFacts Task: which instances play green and blue at this point (ids the run knows). */
export const HookFactsInput = z.object({
  point: z.enum(HOOK_POINTS),
  executionId: z.string().min(1),
  release: z.string().nullable(),
  engine: z.string(),
  /** null before green exists */
  greenInstanceId: z.string().nullable(),
  /** null once old blue is deleted */
  blueInstanceId: z.string().nullable(),
});
export type HookFactsInput = z.output<typeof HookFactsInput>;

const PlannedHookSchema = z.looseObject({
  name: z.string(),
  point: z.enum(HOOK_POINTS),
  index: z.number().int(),
  kind: z.enum(HOOK_KINDS),
  label: z.string(),
  timeoutSeconds: z.number(),
  retries: z.number().int(),
  onFailure: z.enum(['abort', 'warn']),
});

/** Input of RecordHookAttempt: the hook, when it started, its attempts so far and this attempt's result. */
export const RecordHookAttemptInput = z.object({
  hook: PlannedHookSchema,
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp'),
  previousAttempts: z.number().int().min(0),
  attempt: z.object({
    result: z.unknown(),
    error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).nullable(),
  }),
});

/**
 * The "Hooks:" section of notifications and reports, from the state's `hookResults` (records per point).
 * A hook that aborted the run is not among the records (its Map failed); the run's reason names it.
 */
export const hookReportLines = (hookResults: unknown): string[] => {
  const byPoint = (hookResults ?? {}) as Partial<Record<HookPoint, HookRecord[]>>;
  const records = HOOK_POINTS.flatMap((p) => (Array.isArray(byPoint[p]) ? byPoint[p]! : []));
  return records.length ? ['Hooks:', ...hookLines(records).map((l) => `  ${l}`)] : [];
};

/** What the approval request shows of the hooks run so far (beforeCreate, greenReady): a headline and one line per hook. */
export const approvalHooks = (hookResults: unknown): { summary: string; lines: string[] } | undefined => {
  const byPoint = (hookResults ?? {}) as Partial<Record<HookPoint, HookRecord[]>>;
  const records = (['beforeCreate', 'greenReady'] as const).flatMap((p) => byPoint[p] ?? []);
  if (records.length === 0) return undefined;
  const passed = records.filter((r) => r.outcome === 'passed').length;
  const warned = records.length - passed;
  return {
    summary: `${passed} of ${records.length} passed${warned ? `; ${warned} failed with onFailure warn (the run went on)` : ''}`,
    lines: hookLines(records),
  };
};
