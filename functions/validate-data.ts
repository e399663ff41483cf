/**
 * ValidateData: compare blue's and green's data (row counts, checksums of primary-key ranges, computed
 * inside each database) before approval and again right before the switch. One bounded round per
 * invocation; the state machine waits between rounds so in-flight writes reach green before a
 * differing range is rechecked.
 */
import { type Gateways, rdsGateway, systemClock, validationGateway } from '#aws/gateways';
import { ValidateDataInput } from '#domain/validation/contract';
import { GreenEndpointMissingError } from '#domain/validation/errors';
import type { ValidationResult } from '#domain/validation/index';
import { taskHandler } from '#lib/task-handler';
import { runValidationRound, skippedResult } from '#lib/validate-data';

export const makeValidateDataHandler = (gw: Pick<Gateways, 'rds' | 'validation' | 'clock'>) =>
  taskHandler(ValidateDataInput, async (input): Promise<ValidationResult> => {
    const { validation: plan, phase } = input;
    const now = gw.clock().toISOString();
    if (plan.mode === 'off') return skippedResult(phase, plan.mode, 'validation.mode is off', now);
    // The checksum queries are PostgreSQL's; MySQL/MariaDB (binlog) are not compared yet, and say so.
    if (input.replication === 'binlog')
      return skippedResult(phase, plan.mode, 'not implemented for MySQL/MariaDB (binlog) yet', now);
    if (!input.database)
      return skippedResult(phase, plan.mode, 'no database credentials in the input (database.*)', now);
    // Green through its own instance endpoint: the cluster-style endpoint is still blue's.
    const green = await gw.rds.describeInstance(input.greenInstanceId);
    if (!green?.endpoint)
      throw new GreenEndpointMissingError(
        `green instance ${input.greenInstanceId} has no endpoint in DescribeDBInstances; cannot validate its data`,
      );
    // Leave a minute of the Lambda's 900 s for connecting, listing tables and answering.
    const sessions = await gw.validation.open(
      input.database,
      { host: green.endpoint.address, port: green.endpoint.port },
      (plan.timeBudgetSeconds + 60) * 1000,
    );
    try {
      const previous = input.previous.status === 'recheck' ? (input.previous as ValidationResult) : null;
      return await runValidationRound(sessions, {
        phase,
        plan,
        replication: input.replication,
        inspection: input.inspection,
        previous,
        now: () => gw.clock().getTime(),
      });
    } finally {
      await Promise.all([sessions.blue.close(), sessions.green.close()]);
    }
  });

export const handler = makeValidateDataHandler({
  rds: rdsGateway(),
  validation: validationGateway(),
  clock: systemClock,
});
