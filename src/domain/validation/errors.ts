import { SwitchyardError } from '../errors.ts';

/** Green has no endpoint to read its data through (still building, or gone). Terminal: compensate. */
export class GreenEndpointMissingError extends SwitchyardError {
  override readonly name = 'GreenEndpointMissingError';
}
