/**
 * Configuration of the approval functions, read from an environment object passed in (the handlers
 * pass the process environment once, at module load). A missing variable throws naming it.
 */
import { MissingEnvironmentVariableError } from './errors.ts';

export type Env = Record<string, string | undefined>;

/** Where the Slack request message goes: an incoming webhook, or chat.postMessage with a bot token. */
export type SlackTarget =
  | { mode: 'webhook'; webhookParameter: string }
  | { mode: 'bot'; botTokenParameter: string; channel: string };

export interface ApprovalConfig {
  tableName: string;
  baseUrl: string;
  secretParameter: string;
  topicArn: string;
  slack: SlackTarget | undefined;
  slackSigningSecretParameter: string | undefined;
  /** Base of Slack's Web API; overridden only to point tests at a local server. */
  slackApiUrl: string;
  /** Optional deployment-wide allow-list (`APPROVER_ALLOW_LIST`, comma-separated); narrows every record's approvers. */
  allowList: string[] | undefined;
  /** Log signed links (`APPROVAL_LOG_LINKS=true`): for the local rehearsal only; links are bearer credentials. */
  logLinks: boolean;
}

export const requireEnv = (env: Env, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new MissingEnvironmentVariableError(name);
  return value;
};

const optionalEnv = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

const readSlackTarget = (env: Env): SlackTarget | undefined => {
  const webhookParameter = optionalEnv(env, 'SLACK_WEBHOOK_PARAMETER');
  const botTokenParameter = optionalEnv(env, 'SLACK_BOT_TOKEN_PARAMETER');
  const channel = optionalEnv(env, 'SLACK_CHANNEL');
  // A bot token posts only with a channel; a template may set the token parameter and leave the channel empty.
  if (botTokenParameter && channel) return { mode: 'bot', botTokenParameter, channel };
  if (webhookParameter) return { mode: 'webhook', webhookParameter };
  return undefined;
};

/** Which variables a function needs beyond the table. */
export interface ConfigNeeds {
  baseUrl?: boolean;
  secret?: boolean;
  topic?: boolean;
  slackSigningSecret?: boolean;
}

/**
 * Reads the configuration; variables a function does not need may be absent (they read as '').
 * Throws `MissingEnvironmentVariableError` for the first needed variable that is missing.
 */
export const readApprovalConfig = (env: Env, needs: ConfigNeeds): ApprovalConfig => {
  const need = (flag: boolean | undefined, name: string): string =>
    flag ? requireEnv(env, name) : (optionalEnv(env, name) ?? '');
  const allow = optionalEnv(env, 'APPROVER_ALLOW_LIST');
  return {
    tableName: requireEnv(env, 'APPROVAL_TABLE'),
    baseUrl: need(needs.baseUrl, 'APPROVAL_BASE_URL'),
    secretParameter: need(needs.secret, 'APPROVAL_SECRET_PARAMETER'),
    topicArn: need(needs.topic, 'NOTIFY_TOPIC_ARN'),
    slack: readSlackTarget(env),
    slackSigningSecretParameter: needs.slackSigningSecret
      ? requireEnv(env, 'SLACK_SIGNING_SECRET_PARAMETER')
      : optionalEnv(env, 'SLACK_SIGNING_SECRET_PARAMETER'),
    slackApiUrl: optionalEnv(env, 'SLACK_API_URL') ?? 'https://slack.com/api',
    allowList: allow
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    logLinks: env.APPROVAL_LOG_LINKS === 'true',
  };
};
