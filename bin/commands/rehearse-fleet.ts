/**
 * `switchyard rehearse --fleet [N] [--fleet-fail K] [--auto-approve] [--json] [-v]`: the fleet rehearsal
 * (rehearsal/fleet.ts). Parsed apart from the single-database options, which do not apply to it.
 */

export interface FleetArgs {
  count: number;
  failIndex: number | undefined;
  autoApprove: boolean;
  json: boolean;
  verbose: boolean;
}

const npmFlag = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[`npm_config_${name.replace(/-/g, '_')}`];
  return v === undefined || v === '' ? undefined : v;
};

/** The fleet flags, or null when `--fleet` is absent, or a usage error. */
export const parseFleetArgs = (
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): FleetArgs | string | null => {
  const value = (name: string): string | true | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) {
      const npm = npmFlag(env, name);
      return npm === 'true' ? true : npm;
    }
    const arg = argv[i]!;
    if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1);
    const next = argv[i + 1];
    return next !== undefined && /^\d+$/.test(next) ? next : true;
  };
  const fleet = value('fleet');
  if (fleet === undefined) return null;
  const count = fleet === true ? 3 : Number(fleet);
  if (!Number.isInteger(count) || count < 1 || count > 8)
    return `--fleet: give 1 to 8 databases, not ${String(fleet)}`;
  const fail = value('fleet-fail');
  const failIndex = fail === undefined ? undefined : Number(fail);
  if (failIndex !== undefined && (!Number.isInteger(failIndex) || failIndex < 2 || failIndex > count))
    return `--fleet-fail: give a database number from 2 to ${count} (1 is the canary), not ${String(fail)}`;
  const known = new Set(['--fleet', '--fleet-fail', '--auto-approve', '--json', '--verbose', '-v']);
  const unknown = argv.filter((a) => a.startsWith('-') && !known.has(a.split('=')[0]!));
  if (unknown.length > 0) return `--fleet does not take ${unknown.join(', ')}`;
  const flag = (name: string) =>
    argv.includes(`--${name}`) || ['true', '1'].includes(npmFlag(env, name) ?? '');
  return {
    count,
    failIndex,
    autoApprove: flag('auto-approve'),
    json: flag('json'),
    verbose: flag('verbose') || argv.includes('-v'),
  };
};

export const rehearseFleetCommand = async (args: FleetArgs): Promise<number> => {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // Before the handler modules load: Powertools reads its level once, at import.
    process.env.POWERTOOLS_LOG_LEVEL ??= args.verbose ? 'INFO' : 'SILENT';
    const { fleetSummary, rehearseFleet } = await import('../../rehearsal/fleet.ts');
    const result = await rehearseFleet({
      count: args.count,
      ...(args.failIndex !== undefined ? { failIndex: args.failIndex } : {}),
      autoApprove: args.autoApprove,
      onLine: (line) => {
        if (!args.json) console.log(line);
      },
      ...(args.verbose ? { log: (line: string) => console.error(line) } : {}),
      signal: controller.signal,
    });
    console.log(args.json ? JSON.stringify(result, null, 2) : `\n${fleetSummary(result)}`);
    return result.ok ? 0 : 1;
  } catch (err) {
    if (controller.signal.aborted) return 130;
    console.error(`rehearse --fleet: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
};
