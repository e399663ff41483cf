/**
 * The seam through which the emulator serves AWS JSON-protocol services (awsJson1_0 / awsJson1_1):
 * requests carry `x-amz-target: <targetPrefix>.<Operation>` and a JSON body.
 * The emulator's HTTP router picks the service by target prefix and calls `handle`.
 */
export interface JsonServiceRequest {
  operation: string;
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
}

export interface JsonServiceResponse {
  status?: number;
  body: unknown;
}

export interface JsonService {
  /** e.g. 'DynamoDB_20120810', 'AmazonSSM', 'AWSStepFunctions', 'GraniteServiceVersion20100801' */
  targetPrefix: string;
  /** content type to answer with, e.g. 'application/x-amz-json-1.0' */
  contentType: string;
  handle(req: JsonServiceRequest): Promise<JsonServiceResponse>;
}

/** Thrown by a JsonService; the router answers `{"__type": type, "message": message}` with `status`. */
export class JsonServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'JsonServiceError';
  }
}
