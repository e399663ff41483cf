/** `switchyard lint [files...]`: checks SQL migrations against the expand/contract gate. */
import { readFile } from 'node:fs/promises';
import { approveFindings, formatReport, lintMigrations, type MigrationSource } from '#gate/index';

const USAGE = `usage: switchyard lint [files...|-] [options]

Reads SQL migration files (or stdin with '-' or piped input), classifies every statement and exits
non-zero when a statement is not allowed in the phase.

  --engine postgres|mysql          SQL dialect (default postgres)
  --phase expand|contract          release phase (default expand)
  --format text|json|github        output (default text; github prints ::error annotations)
  --replication physical|logical|binlog|none
                                   Blue/Green replication mode (default none)
  --squawk auto|off                use squawk-cli for PostgreSQL lock/hygiene rules when found (default auto)
  --schema FILE                    current schema DDL, read for column types and enum values (repeatable)
  --approve-raw                    approve G-RAW-SQL findings (unparseable SQL, DO blocks) after review
  --approve RULE[,RULE]            approve the approval-needed findings of these rules
  -h, --help                       this text

Exit codes: 0 pass (warnings allowed), 1 error findings or unapproved approval-needed findings, 2 usage error.`;

const CHOICES = {
  engine: ['postgres', 'mysql'],
  phase: ['expand', 'contract'],
  format: ['text', 'json', 'github'],
  replication: ['physical', 'logical', 'binlog', 'none'],
  squawk: ['auto', 'off'],
} as const;

type Choice = keyof typeof CHOICES;

type Options = {
  files: string[];
  engine: 'postgres' | 'mysql';
  phase: 'expand' | 'contract';
  format: 'text' | 'json' | 'github';
  replication: 'physical' | 'logical' | 'binlog' | 'none';
  squawk: 'auto' | 'off';
  schema: string[];
  approve: string[];
  /** The approval flags as given, quoted in the approved findings. */
  approvedBy: string[];
  help: boolean;
};

/** A bad command line; the message names the flag and what it accepts. */
export class LintUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LintUsageError';
  }
}

const isChoice = (flag: string): flag is Choice => flag in CHOICES;

/** Parses argv into options; throws LintUsageError on an unknown flag or a bad value. */
export const parseLintArgs = (argv: string[]): Options => {
  const options: Options = {
    files: [],
    engine: 'postgres',
    phase: 'expand',
    format: 'text',
    replication: 'none',
    squawk: 'auto',
    schema: [],
    approve: [],
    approvedBy: [],
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    if (arg === '--approve-raw') {
      options.approve.push('G-RAW-SQL', 'squawk:syntax-error');
      options.approvedBy.push('--approve-raw');
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      options.files.push(arg);
      continue;
    }
    const [flag = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new LintUsageError(`--${flag} needs a value`);
    if (isChoice(flag)) {
      const allowed: readonly string[] = CHOICES[flag];
      if (!allowed.includes(value)) {
        throw new LintUsageError(`--${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
      }
      Object.assign(options, { [flag]: value });
    } else if (flag === 'schema') options.schema.push(value);
    else if (flag === 'approve') {
      options.approve.push(...value.split(',').map((r) => r.trim()));
      options.approvedBy.push(`--approve ${value}`);
    } else throw new LintUsageError(`unknown option --${flag}`);
  }
  return options;
};

const readStdin = async (): Promise<string> => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks).toString('utf8');
};

const readSources = async (files: string[]): Promise<MigrationSource[]> => {
  if (files.length === 0 && process.stdin.isTTY)
    throw new LintUsageError('no files given and nothing piped on stdin');
  const names = files.length === 0 ? ['-'] : files;
  return Promise.all(
    names.map(async (name) => {
      if (name === '-') return { name: '<stdin>', sql: await readStdin() };
      try {
        return { name, sql: await readFile(name, 'utf8') };
      } catch (error) {
        throw new LintUsageError(
          `cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
    }),
  );
};

/** Runs the command; returns the process exit code. */
export const run = async (argv: string[]): Promise<number> => {
  try {
    const options = parseLintArgs(argv);
    if (options.help) {
      console.log(USAGE);
      return 0;
    }
    const sources = await readSources(options.files);
    const schema = await Promise.all(
      options.schema.map(async (name) => ({
        name,
        sql: await readFile(name, 'utf8').catch(() =>
          Promise.reject(new LintUsageError(`cannot read --schema ${name}`)),
        ),
      })),
    );
    const linted = await lintMigrations({
      engine: options.engine,
      phase: options.phase,
      sources,
      replication: options.replication,
      squawk: options.squawk,
      schema,
    });
    const report =
      options.approve.length > 0
        ? approveFindings(linted, options.approve, `approved with ${options.approvedBy.join(' ')}`)
        : linted;
    console.log(formatReport(report, options.format));
    return report.verdict === 'fail' ? 1 : 0;
  } catch (error) {
    if (error instanceof LintUsageError) {
      console.error(`switchyard lint: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
};
