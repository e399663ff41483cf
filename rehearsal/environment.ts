/**
 * The process environment the handlers run with in a rehearsal: every AWS SDK client reaches the emulator
 * through AWS_ENDPOINT_URL, with fake credentials, and the approval functions find their table, topic and
 * signing-key parameter. The handler modules read some of it once, at import, and their SDK clients fix
 * their endpoint on first use, so a process that rehearses more than once keeps the same ports (see
 * `stablePort`).
 */

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const NOTIFY_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:switchyard-rehearsal`;
export const APPROVAL_TABLE = 'switchyard-rehearsal-approvals';
/** The event waits' token table (AwaitRdsEvent / RelayRdsEvent), served by the emulator's DynamoDB. */
export const EVENT_WAITS_TABLE = 'switchyard-rehearsal-event-waits';
export const APPROVAL_SECRET_PARAMETER = '/switchyard/rehearsal/approval-signing-key';
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:switchyard-blue-green-rehearsal`;

export const executionArn = (name: string): string =>
  `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:switchyard-blue-green-rehearsal:${name}`;

/** Variables that would send a client elsewhere or change what the approval functions do. */
const CLEARED =
  /^(AWS_ENDPOINT_URL_.+|AWS_IGNORE_CONFIGURED_ENDPOINT_URLS|AWS_PROFILE|AWS_SESSION_TOKEN|AWS_CONFIG_FILE|AWS_SHARED_CREDENTIALS_FILE|SLACK_.+|APPROVER_ALLOW_LIST|APPROVAL_LOG_LINKS)$/;

/**
 * Points every AWS SDK client of this process at the emulator, and lets the database clients
 * (connectPostgres) trust the emulator's CA in addition to the Amazon RDS ones.
 */
export const applyRehearsalEnvironment = (emulatorUrl: string, emulatorCaFile: string): void => {
  for (const key of Object.keys(process.env)) if (CLEARED.test(key)) delete process.env[key];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulatorUrl,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDREHEARSAL',
    AWS_SECRET_ACCESS_KEY: 'rehearsal-not-a-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NOTIFY_TOPIC_ARN,
    APPROVAL_TABLE,
    EVENT_WAITS_TABLE,
    APPROVAL_SECRET_PARAMETER,
    SWITCHYARD_DB_EXTRA_CA_FILE: emulatorCaFile,
  });
};

const ports = new Map<string, number>();

/**
 * The port a local server of this kind used earlier in this process (0 the first time). The handlers'
 * module-scope SDK clients and approval links keep the first URL they saw, so later rehearsals in the
 * same process (tests, benchmarks) must listen where the first one did.
 */
export const stablePort = (kind: 'emulator' | 'approval'): number => ports.get(kind) ?? 0;
export const rememberPort = (kind: 'emulator' | 'approval', port: number): void => {
  ports.set(kind, port);
};
