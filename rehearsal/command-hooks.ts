/**
 * Hooks as local commands (issue 13, rehearsal only): `--hook greenReady="npm run my-tests"` or a `hooks`
 * entry with `command:` in the rehearsal's input. The rehearsal stands each command up as a Lambda hook
 * of the local "account" (functionName switchyard-rehearsal-hook-<name>, declared like a deployment would
 * declare it), so the real ASL runs it through the same RunHooks states as in AWS; the local runner's
 * HookRunner then runs the command with the run's facts as environment variables. A timeout kills the
 * command's whole process group by its PID.
 */
import { spawn } from 'node:child_process';
import { type DeclaredHooks, HOOK_POINTS, type HookFacts, type HookPoint } from '#domain/hooks';
import type { HookRunner } from '../local/run-state-machine.ts';

export interface CommandHook {
  point: HookPoint;
  name: string;
  command: string;
  timeoutSeconds?: number;
  retries?: number;
  onFailure?: 'abort' | 'warn';
}

export const FUNCTION_PREFIX = 'switchyard-rehearsal-hook-';
/** Output kept from a command (its tail): the summary is truncated again to 500 characters by the record. */
const OUTPUT_TAIL_CHARS = 4000;
/** After SIGTERM, the process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** `greenReady=npm run my-tests` (the CLI's --hook value) → a command hook named after its point and position. */
export const parseHookFlag = (value: string, index: number): CommandHook => {
  const eq = value.indexOf('=');
  const point = value.slice(0, eq) as HookPoint;
  const command = value.slice(eq + 1).trim();
  if (eq < 1 || !HOOK_POINTS.includes(point))
    throw new Error(
      `--hook ${value}: write --hook <point>="<command>" with <point> one of ${HOOK_POINTS.join(', ')}`,
    );
  if (!command) throw new Error(`--hook ${value}: the command after "=" is empty`);
  return { point, name: `${point}-${index + 1}`, command };
};

/** The execution input's `hooks` and the declaration Preflight checks them against. */
export const commandHooksInput = (
  hooks: readonly CommandHook[],
): { hooks: Record<string, unknown[]>; declared: DeclaredHooks } => {
  const byPoint: Record<string, unknown[]> = {};
  for (const h of hooks) {
    const list = byPoint[h.point] ?? [];
    byPoint[h.point] = list;
    list.push({
      name: h.name,
      lambda: { functionName: `${FUNCTION_PREFIX}${h.name}` },
      ...(h.timeoutSeconds !== undefined ? { timeoutSeconds: h.timeoutSeconds } : {}),
      ...(h.retries !== undefined ? { retries: h.retries } : {}),
      ...(h.onFailure ? { onFailure: h.onFailure } : {}),
    });
  }
  return {
    hooks: byPoint,
    declared: {
      lambdaFunctions: hooks.map((h) => `${FUNCTION_PREFIX}${h.name}`),
      codebuildProjects: [],
      ecsTasks: [],
      httpEndpoints: [],
    },
  };
};

/** How a command reaches an instance locally: the emulator's endpoint, its master user, its CA. */
export interface LocalConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * The command's environment: libpq's PG* (or MYSQL_*) for green with TLS verified against the emulator's
 * CA, and the engine-neutral SWITCHYARD_* facts (hosts and ports as the command can reach them).
 */
export const commandEnvironment = (
  facts: HookFacts,
  green: LocalConnection | null,
  blue: LocalConnection | null,
  caFile: string,
): Record<string, string> => {
  const env: Record<string, string> = Object.fromEntries(facts.environment.map((v) => [v.Name, v.Value]));
  for (const [side, c] of [
    ['GREEN', green],
    ['BLUE', blue],
  ] as const) {
    env[`SWITCHYARD_${side}_HOST`] = c?.host ?? '';
    env[`SWITCHYARD_${side}_PORT`] = c ? String(c.port) : '';
  }
  env.SWITCHYARD_SSL_ROOT_CERT = caFile;
  if (!green) return env;
  if (facts.engine === 'postgres') {
    Object.assign(env, {
      PGHOST: green.host,
      PGPORT: String(green.port),
      PGDATABASE: green.database,
      PGUSER: green.user,
      PGPASSWORD: green.password,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: caFile,
    });
  } else {
    Object.assign(env, {
      MYSQL_HOST: green.host,
      MYSQL_TCP_PORT: String(green.port),
      MYSQL_DATABASE: green.database,
      MYSQL_USER: green.user,
      MYSQL_PWD: green.password,
      MYSQL_SSL_CA: caFile,
    });
  }
  return env;
};

export class HookCommandFailedError extends Error {
  override readonly name = 'HookCommandFailed';
}

/** Runs `command` in its own process group; resolves with its output tail on exit 0, else throws naming the exit. */
export const runCommand = (
  command: string,
  env: Record<string, string>,
  timeoutSeconds: number,
): Promise<{ output: string; exitCode: 0; durationMs: number }> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('sh', ['-c', command], {
      env: { ...process.env, ...env },
      detached: true, // its own process group, so a timeout kills what it started too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    }, timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new HookCommandFailedError(`could not start "${command}": ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const tail = output.trim();
      if (timedOut)
        return reject(
          new HookCommandFailedError(
            `"${command}" ran past ${timeoutSeconds} s; its process group was killed. ${tail}`,
          ),
        );
      if (code === 0) return resolve({ output: tail, exitCode: 0, durationMs: Date.now() - started });
      reject(new HookCommandFailedError(`"${command}" exited ${code ?? signal}: ${tail}`));
    });
  });

/** The local runner's HookRunner for command hooks: the Lambda hooks the rehearsal stood up. */
export const commandHookRunner = (
  hooks: readonly CommandHook[],
  connect: (instanceId: string) => LocalConnection | null,
  caFile: string,
  onRun?: (hook: CommandHook, env: Record<string, string>) => void,
): HookRunner => {
  return async (resource, parameters, timeoutSeconds) => {
    const functionName = String(parameters.FunctionName ?? '');
    const hook = hooks.find((h) => `${FUNCTION_PREFIX}${h.name}` === functionName);
    if (!resource.startsWith('arn:aws:states:::lambda:invoke') || !hook) {
      const error = new Error(
        `Function not found: ${functionName || resource} (the rehearsal runs command hooks only)`,
      );
      error.name = 'Lambda.ResourceNotFoundException';
      throw error;
    }
    const facts = parameters.Payload as HookFacts;
    const env = commandEnvironment(
      facts,
      facts.green ? connect(facts.green.instanceId) : null,
      facts.blue ? connect(facts.blue.instanceId) : null,
      caFile,
    );
    onRun?.(hook, env);
    // The command's own deadline, a hair inside the Task's, so the kill happens before Step Functions gives up.
    const { output } = await runCommand(hook.command, env, Math.max(1, (timeoutSeconds ?? 300) - 0.5));
    return { Payload: { ok: true, output }, StatusCode: 200, ExecutedVersion: '$LATEST' };
  };
};

/**
 * The rehearsal input's hooks (`--input FILE`): entries with `command:` become command hooks and leave the
 * document; any other kind cannot run locally and is refused naming its field.
 */
export const splitCommandHooks = (
  document: Record<string, unknown>,
): { document: Record<string, unknown>; hooks: CommandHook[] } => {
  const { hooks: raw, ...rest } = document as { hooks?: Record<string, unknown> };
  if (raw === undefined) return { document, hooks: [] };
  const hooks: CommandHook[] = [];
  for (const [point, value] of Object.entries(raw ?? {})) {
    if (!HOOK_POINTS.includes(point as HookPoint))
      throw new Error(`hooks.${point}: unknown hook point; use one of ${HOOK_POINTS.join(', ')}`);
    const list = Array.isArray(value) ? value : [value];
    list.forEach((entry, i) => {
      const h = entry as Partial<CommandHook> & Record<string, unknown>;
      if (typeof h.command !== 'string' || !h.command.trim())
        throw new Error(
          `hooks.${point}[${i}]: the rehearsal runs hooks as local commands; give command: "<shell command>" (lambda, codebuild, ecs and http hooks run in AWS only)`,
        );
      hooks.push({
        point: point as HookPoint,
        name: typeof h.name === 'string' && h.name ? h.name : `${point}-${i + 1}`,
        command: h.command,
        ...(typeof h.timeoutSeconds === 'number' ? { timeoutSeconds: h.timeoutSeconds } : {}),
        ...(typeof h.retries === 'number' ? { retries: h.retries } : {}),
        ...(h.onFailure === 'warn' || h.onFailure === 'abort' ? { onFailure: h.onFailure } : {}),
      });
    });
  }
  return { document: rest, hooks };
};
