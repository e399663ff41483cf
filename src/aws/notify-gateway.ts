/** Publishes notifications to the run's SNS topic. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { callAws } from './errors.ts';

export const makeNotifyGateway = (sns: SNSClient, topicArn: string) => ({
  async publish(subject: string, message: string, attributes: Record<string, string> = {}): Promise<string> {
    const out = await callAws('Publish', () =>
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          // SNS caps e-mail subjects at 100 characters.
          Subject: subject.slice(0, 100),
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      ),
    );
    return out.MessageId ?? '';
  },
});

export type NotifyGateway = ReturnType<typeof makeNotifyGateway>;
