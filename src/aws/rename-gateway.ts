/**
 * Renaming a DB instance: ModifyDBInstance with NewDBInstanceIdentifier and ApplyImmediately. RDS
 * reboots the instance, drops the old DNS name at once and makes the new one effective "in about 10
 * minutes"; the instance is not available until then, and a name in use cannot be taken (RDS user
 * guide, "Renaming a DB instance"). So the fail-back renames one instance at a time and waits for each.
 */
import { ModifyDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { logger } from '#lib/logger';
import { callAws } from './errors.ts';

export interface RenameGateway {
  rename(instanceId: string, newInstanceId: string): Promise<void>;
}

export const makeRenameGateway = (rds: Pick<RDSClient, 'send'>): RenameGateway => ({
  async rename(instanceId, newInstanceId) {
    logger.info('RDS ModifyDBInstance', {
      rdsMutation: 'ModifyDBInstance',
      instance: instanceId,
      newInstanceId,
    });
    await callAws('ModifyDBInstance', () =>
      rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          NewDBInstanceIdentifier: newInstanceId,
          ApplyImmediately: true,
        }),
      ),
    );
  },
});
