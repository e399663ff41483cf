/**
 * Publishes to the notification topic. Approval requests go out once per e-mail approver with message
 * attributes `kind` and `approver`, so each approver's e-mail subscription (filter policy on
 * `approver`) receives only the links signed for them; decisions go out with `kind=approval-decision`.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsClient } from '#aws/clients';

export interface Notifier {
  publish(args: { subject: string; message: string; kind: string; approver?: string }): Promise<void>;
}

export const makeNotifier = (topicArn: string, client: Pick<SNSClient, 'send'> = snsClient()): Notifier => ({
  async publish({ subject, message, kind, approver }) {
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject,
        Message: message,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: kind },
          ...(approver ? { approver: { DataType: 'String', StringValue: approver.toLowerCase() } } : {}),
        },
      }),
    );
  },
});
