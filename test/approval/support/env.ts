/**
 * Environment the approval handler modules read at load. Import this FIRST in a test file that imports
 * a module from functions/, so the module-scope configuration finds its variables.
 */
import { TABLE, TOPIC_ARN } from './fixtures.ts';

const defaults: Record<string, string> = {
  APPROVAL_TABLE: TABLE,
  APPROVAL_BASE_URL: 'https://approvals.example.com/approvals',
  APPROVAL_SECRET_PARAMETER: '/switchyard/approval/signing-key',
  NOTIFY_TOPIC_ARN: TOPIC_ARN,
  SLACK_SIGNING_SECRET_PARAMETER: '/switchyard/slack/signing-secret',
};
for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
