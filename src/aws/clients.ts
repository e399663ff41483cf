/**
 * SDK clients, built once per module. No `endpoint` option: the standard AWS_ENDPOINT_URL_<SERVICE>
 * variables point the same code at AWS or at the local emulator.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';

let rds: RDSClient | undefined;
let cloudwatch: CloudWatchClient | undefined;
let sns: SNSClient | undefined;
let ssm: SSMClient | undefined;
let sfn: SFNClient | undefined;
let dynamoDb: DynamoDBClient | undefined;

export const rdsClient = (): RDSClient => (rds ??= new RDSClient({}));
export const cloudWatchClient = (): CloudWatchClient => (cloudwatch ??= new CloudWatchClient({}));
export const snsClient = (): SNSClient => (sns ??= new SNSClient({}));
export const ssmClient = (): SSMClient => (ssm ??= new SSMClient({}));
export const sfnClient = (): SFNClient => (sfn ??= new SFNClient({}));
export const dynamoDbClient = (): DynamoDBClient => (dynamoDb ??= new DynamoDBClient({}));
