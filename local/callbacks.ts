/**
 * Task-token callbacks for the local runner, which has no SendTaskSuccess/Failure API of its own:
 * a `.waitForTaskToken` state parks a promise here under its token; SendTaskSuccess/Failure settle it.
 * `sfnService()` exposes the same operations as the AWS JSON protocol, so the real @aws-sdk/client-sfn
 * (used by the approval callback) reaches it through the emulator.
 */
import { type JsonService, JsonServiceError } from '../emulator/services/json-service.ts';

interface Parked {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export class CallbackRegistry {
  private readonly parked = new Map<string, Parked>();
  readonly settled: Array<{ token: string; kind: 'success' | 'failure'; at: string }> = [];

  /** Parks until the token is settled. */
  wait(token: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.parked.set(token, { resolve, reject }));
  }

  /** Forgets a token whose task ended another way (timeout, abort), so late callbacks are refused. */
  forget(token: string): void {
    this.parked.delete(token);
  }

  pending(): string[] {
    return [...this.parked.keys()];
  }

  sendTaskSuccess(token: string, output: unknown): boolean {
    const p = this.take(token);
    if (!p) return false;
    this.settled.push({ token, kind: 'success', at: new Date().toISOString() });
    p.resolve(output);
    return true;
  }

  sendTaskFailure(token: string, error: string, cause?: string): boolean {
    const p = this.take(token);
    if (!p) return false;
    this.settled.push({ token, kind: 'failure', at: new Date().toISOString() });
    const failure = new Error(cause ?? error);
    failure.name = error;
    p.reject(failure);
    return true;
  }

  private take(token: string): Parked | undefined {
    const p = this.parked.get(token);
    this.parked.delete(token);
    return p;
  }
}

/** AWSStepFunctions SendTaskSuccess/SendTaskFailure over the JSON protocol, backed by a registry. */
export const sfnService = (registry: CallbackRegistry): JsonService => ({
  targetPrefix: 'AWSStepFunctions',
  contentType: 'application/x-amz-json-1.0',
  async handle({ operation, body }) {
    const token = String(body.taskToken ?? '');
    const unknown = () =>
      new JsonServiceError('TaskDoesNotExist', 'Task does not exist anymore or the token is invalid');
    if (operation === 'SendTaskSuccess') {
      let output: unknown;
      try {
        output = JSON.parse(String(body.output ?? 'null'));
      } catch {
        throw new JsonServiceError('InvalidOutput', 'output is not valid JSON');
      }
      if (!registry.sendTaskSuccess(token, output)) throw unknown();
      return { body: {} };
    }
    if (operation === 'SendTaskFailure') {
      if (
        !registry.sendTaskFailure(token, String(body.error ?? 'TaskFailed'), body.cause as string | undefined)
      )
        throw unknown();
      return { body: {} };
    }
    if (operation === 'SendTaskHeartbeat') {
      if (!registry.pending().includes(token)) throw unknown();
      return { body: {} };
    }
    throw new JsonServiceError('UnknownOperationException', `operation ${operation} is not served locally`);
  },
});
