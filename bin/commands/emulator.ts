/**
 * `switchyard emulator [--port N] [--data-dir DIR]`: runs the local RDS Blue/Green emulator on real
 * PostgreSQL until Ctrl-C / SIGTERM / SIGHUP or its parent process goes away, which stop every PostgreSQL
 * server it started; if this process is killed outright, the run's watcher (emulator/lifecycle.ts) does.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Emulator, type RdsEngine, startEmulator } from '../../emulator/index.ts';
import { watchParent } from '../../emulator/lifecycle.ts';

const HELP = `usage: switchyard emulator [options]

Starts the local RDS Blue/Green emulator: the RDS Query API (plus SNS, CloudWatch and SSM) on 127.0.0.1,
every DB instance a real PostgreSQL server behind a stable endpoint port. Seeds orders-db (PostgreSQL 17)
once per data dir; state survives restarts from the same data dir.

options:
  --port N                 API port (default 4566; 0 picks a free one)
  --data-dir DIR           state and PostgreSQL data (default .emulator-data; not under /root)
  --seed-rows N            rows in the seeded orders table (default 1000)
  --engine E               orders-db's engine: postgres (default), mariadb, or mysql (MySQL 8.0 emulated
                           by the MariaDB binary: a labelled stand-in). mariadb and mysql need Debian's
                           mariadb-server and mariadb-backup packages
  --no-seed                do not create orders-db
  --task-delay-ms N        extra time per Blue/Green provisioning task (default 1000)
  --delete-delay-ms N      time a deleted deployment stays DELETING (default 1000)
  --switchover-step-ms N   pause between switchover steps (default 250)
  --parameter-apply-ms N   how long a dynamic parameter change stays 'applying' (default 300)
  --hold-connections       park new connections during a switchover instead of refusing them
  --verbose                log PostgreSQL and job details
  -h, --help               this help`;

const QUIET_PREFIXES = ['[pg]', '[logical]', '[mariadb]'];

const engineOption = (value: string | undefined): RdsEngine => {
  if (value === undefined || value === 'postgres' || value === 'mariadb' || value === 'mysql')
    return value ?? 'postgres';
  throw new Error(`--engine must be postgres, mariadb or mysql, not '${value}'`);
};

export const run = async (argv: string[]): Promise<number> => {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    console.error(`switchyard emulator: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const num = (name: string, value: string | undefined, def: number): number => {
    if (value === undefined) return def;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  let emu: Emulator;
  try {
    const dataDir = resolve(v['data-dir'] ?? '.emulator-data');
    emu = await startEmulator({
      port: num('port', v.port, 4566),
      dataDir,
      seed: !v['no-seed'],
      seedRows: num('seed-rows', v['seed-rows'], 1000),
      seedEngine: engineOption(v.engine),
      delays: {
        taskMs: num('task-delay-ms', v['task-delay-ms'], 1000),
        deleteMs: num('delete-delay-ms', v['delete-delay-ms'], 1000),
        switchoverStepMs: num('switchover-step-ms', v['switchover-step-ms'], 250),
        parameterApplyMs: num('parameter-apply-ms', v['parameter-apply-ms'], 300),
      },
      holdConnections: !!v['hold-connections'],
      log: (line) => {
        if (v.verbose || !QUIET_PREFIXES.some((p) => line.startsWith(p)))
          console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
      },
    });
  } catch (e) {
    console.error(`switchyard emulator: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const seedEngine = engineOption(v.engine);
  const mysqlFamily = seedEngine !== 'postgres';
  const upgradeArgs = mysqlFamily
    ? `--target-engine-version ${seedEngine === 'mysql' ? '8.0.42' : '10.11.20'}`
    : '--target-engine-version 18.4 --target-db-parameter-group-name orders-pg18';
  const db = emu.endpoint('orders-db');
  const c = db ? emu.connectionConfig('orders-db') : undefined;
  const arn = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';
  console.log(
    [
      '',
      'Switchyard RDS Blue/Green emulator',
      `  API endpoint  ${emu.url}   (RDS, SNS, CloudWatch, SSM; control: ${emu.url}/_switchyard/state)`,
      c
        ? `  orders-db     ${c.host}:${c.port}   user ${c.user}  password ${c.password}  database ${c.database}\n                ${
            mysqlFamily
              ? `mariadb --no-defaults -h ${c.host} -P ${c.port} -u ${c.user} -p${c.password} --ssl-ca=${emu.caFile} --ssl-verify-server-cert ${c.database}${seedEngine === 'mysql' ? '\n                (engine mysql runs on the MariaDB binary: a labelled stand-in)' : ''}`
              : `postgres://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}?sslmode=verify-full&sslrootcert=${emu.caFile}`
          }`
        : '  orders-db     (not present)',
      mysqlFamily
        ? `  CA bundle     ${emu.caFile}   (TLS offered; plain connections allowed, as require_secure_transport=0 on RDS: trust this file as you would the RDS CA bundle)`
        : `  CA bundle     ${emu.caFile}   (TLS is required, as rds.force_ssl=1 on RDS: trust this file as you would the RDS CA bundle)`,
      `  data dir      ${emu.dataDir}`,
      '',
      'AWS CLI v2:',
      '  export AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake AWS_DEFAULT_REGION=us-east-1',
      `  aws rds describe-db-instances --endpoint-url ${emu.url}`,
      `  aws rds create-blue-green-deployment --blue-green-deployment-name orders-upgrade --source ${arn} ${upgradeArgs} --endpoint-url ${emu.url}`,
      `  aws rds describe-blue-green-deployments --endpoint-url ${emu.url}`,
      `  aws rds switchover-blue-green-deployment --blue-green-deployment-identifier bgd-… --endpoint-url ${emu.url}`,
      '',
      'AWS SDK v3 / Switchyard handlers:',
      `  export AWS_ENDPOINT_URL=${emu.url}    # or AWS_ENDPOINT_URL_RDS / _SNS / _CLOUDWATCH / _SSM`,
      `  new RDSClient({ region: 'us-east-1', endpoint: '${emu.url}', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } })`,
      '',
      'Databases (TLS only; the handlers trust the Amazon RDS CAs plus this extra file):',
      `  export SWITCHYARD_DB_EXTRA_CA_FILE=${emu.caFile}`,
      c
        ? `  psql "host=${c.host} port=${c.port} user=${c.user} dbname=${c.database} sslmode=verify-full sslrootcert=${emu.caFile}"`
        : '',
      '',
      'Ctrl-C stops every PostgreSQL server; state is kept in the data dir.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const onSignal = (sig: NodeJS.Signals | 'parent gone'): void => {
      // The terminal may be gone with the parent: a failed write must not stop the shutdown.
      try {
        console.log(`\n${sig}: stopping the emulator and its PostgreSQL servers…`);
      } catch {}
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      unwatchParent();
      done();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A closed terminal, or the npx/npm process that started us gone (neither passes every signal on).
    process.on('SIGHUP', onSignal);
    const unwatchParent = watchParent(() => onSignal('parent gone'));
  });
  await emu.stop();
  console.log('stopped.');
  // Nothing should keep the loop alive now; this is a safety net, not the normal exit path.
  setTimeout(() => process.exit(0), 3000).unref();
  return 0;
};

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'seed-rows': { type: 'string' },
      engine: { type: 'string' },
      'no-seed': { type: 'boolean' },
      'task-delay-ms': { type: 'string' },
      'delete-delay-ms': { type: 'string' },
      'switchover-step-ms': { type: 'string' },
      'parameter-apply-ms': { type: 'string' },
      'hold-connections': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
