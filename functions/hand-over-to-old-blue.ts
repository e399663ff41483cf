/**
 * HandOverToOldBlue: old blue has applied everything the new primary wrote (CheckReverseCatchUp) and
 * writes stay blocked, so the three steps that let it take over run in one Task with one proof read (as
 * three Tasks, each paid its own DescribeDBInstances and TLS sessions while nobody could write).
 *
 * 1. Sequences (PostgreSQL): logical replication carries rows, not sequence positions. Both sides' owned
 *    sequences are read first (while the stream removal's sessions connect); one the new primary has and
 *    old blue lacks refuses here, with the reverse stream still intact (the schema changed since the
 *    switch, so old blue cannot hold every write).
 * 2. At once (independent now): the reverse stream is removed on both sides, and old blue's sequences are
 *    set at least as far as the new primary's (and its own column maximum).
 * 3. Then old blue takes writes: PostgreSQL at once (per-database setting, in the session of 1–2);
 *    MySQL/MariaDB `read_only=0` in its own parameter group and a reboot, watched here for up to 20 s and
 *    then by CheckOldBlueWritable. AUTO_INCREMENT follows the replicated rows there: nothing to set.
 */
import {
  databaseGateway,
  failBackDatabaseGateway,
  type Gateways,
  rdsGateway,
  reverseReplicationGateway,
  systemClock,
  systemPause,
} from '#aws/gateways';
import { boundedLoopSeconds, RENAME_DEADLINE_SECONDS } from '#domain/budget';
import { FailBackRefusedError } from '#domain/errors';
import { sequencesToAdvance } from '#domain/fail-back';
import { HandOverToOldBlueInput } from '#domain/fail-back-contracts';
import { addSeconds } from '#domain/plan';
import { reversePair } from '#lib/fail-back-instances';
import { isMysqlFamily, makeOldBlueWritableByGroup } from '#lib/fail-back-writes';
import { taskHandler } from '#lib/task-handler';

const NOTHING_TO_SET = 'AUTO_INCREMENT follows the replicated rows on old blue; nothing to set';

/**
 * Once the stream's removal has begun, a refusal no longer means "nothing changed": it leaves as a plain
 * error, which the ASL's Catch routes through HandOverBegun (no further fail-back is offered).
 */
const afterRemovalBegan = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (e) {
    if (e instanceof FailBackRefusedError)
      throw new Error(`after the reverse stream was removed: ${e.message}`);
    throw e;
  }
};

export const makeHandOverToOldBlueHandler = (
  gw: Pick<Gateways, 'rds' | 'database' | 'failBackDatabase' | 'reverse' | 'clock' | 'pause'>,
) =>
  taskHandler(HandOverToOldBlueInput, async ({ database, pollSeconds, ...claim }) => {
    const { instances, ...pair } = await reversePair(gw, claim, database);
    const oldBlue = instances.oldBlue!;
    // A reboot is waited for as long as a rename (the same RDS instance-modification scale).
    const deadline = addSeconds(gw.clock(), boundedLoopSeconds(RENAME_DEADLINE_SECONDS, pollSeconds));
    if (isMysqlFamily(database?.engine)) {
      await gw.reverse.stop(pair);
      const reverse = { stopped: true, stoppedAt: gw.clock().toISOString() };
      const step = await afterRemovalBegan(() => makeOldBlueWritableByGroup(gw, oldBlue, pair.oldBlue));
      return {
        sequences: { moves: [], missing: [], detail: NOTHING_TO_SET },
        reverse,
        oldBlue: { ...step, oldBlueId: oldBlue.id, deadline, checkedAt: gw.clock().toISOString() },
      };
    }

    // Everything that only connects or reads, at once: the new primary's sequences, old blue's session
    // and sequences, and the stream removal's sessions (nothing changes before the sequences allow it).
    const oldBlueSession = gw.failBackDatabase.openOldBlue(pair.oldBlue);
    const [primaryRead, sessionOpen, oldBlueRead, removalOpen] = await Promise.allSettled([
      gw.database.readOwnedSequences(pair.newPrimary),
      oldBlueSession,
      oldBlueSession.then((s) => s.readOwnedSequences()),
      gw.reverse.openStop(pair),
    ]);
    const session = sessionOpen.status === 'fulfilled' ? sessionOpen.value : undefined;
    const removal = removalOpen.status === 'fulfilled' ? removalOpen.value : undefined;
    try {
      if (primaryRead.status === 'rejected') throw primaryRead.reason;
      if (oldBlueRead.status === 'rejected') throw oldBlueRead.reason;
      if (removalOpen.status === 'rejected') throw removalOpen.reason;
      const { moves, missing } = sequencesToAdvance(primaryRead.value, oldBlueRead.value);
      if (missing.length > 0)
        throw new FailBackRefusedError(
          `old blue lacks sequence(s) the new primary has (${missing.join(', ')}): the schema changed since the switch, so old blue cannot hold every write`,
        );
      const detail = await afterRemovalBegan(async () => {
        const [, set] = await Promise.all([removal!.stop(), session!.advanceSequences(moves)]);
        await session!.makeWritable();
        return set;
      });
      const reverse = { stopped: true, stoppedAt: gw.clock().toISOString() };
      return {
        sequences: { moves, missing, detail },
        reverse,
        oldBlue: {
          writable: true,
          detail: `${oldBlue.id} takes writes (per-database setting)`,
          oldBlueId: oldBlue.id,
          deadline,
          checkedAt: gw.clock().toISOString(),
        },
      };
    } finally {
      await Promise.all([session?.close(), removal?.close()]);
    }
  });

export const handler = makeHandOverToOldBlueHandler({
  rds: rdsGateway(),
  database: databaseGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
  pause: systemPause,
});
