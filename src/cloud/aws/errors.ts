// SDK errors → rollcall errors, at the seam: service, operation, HTTP status, request id, AWS's
// Code and Message, secrets redacted. A missing credential chain is a setup problem (exit 2),
// not a remote failure.
import { RemoteError, RollcallError, redact, SetupError } from "../../errors.js";

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** AWS codes meaning "this region is not enabled for the account" (or the key is unknown there). */
export const REGION_AUTH_CODES = new Set([
  "AuthFailure",
  "OptInRequired",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
]);

export function wrapAwsError(
  err: unknown,
  where: { service: string; operation: string; region?: string },
  secrets: readonly (string | undefined)[] = [],
): RollcallError {
  if (err instanceof RollcallError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const clean = (text: string | undefined) =>
    text === undefined ? undefined : redact(text, secrets).split("\n")[0];
  if (e.name === "CredentialsProviderError" || /Could not load credentials/i.test(e.message ?? "")) {
    return new SetupError(
      `no AWS credentials found (${clean(e.message)}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or profile: in the source`,
    );
  }
  const operation = where.region ? `${where.operation} (${where.region})` : where.operation;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && e.name === "Unknown" && (e.message ?? "Unknown") === "Unknown") {
    // The SDK could not read an AWS error in the body: a proxy's or load balancer's page.
    return new RemoteError(
      {
        service: where.service,
        operation,
        status,
        requestId: e.$metadata?.requestId,
        apiMessage: "the answer is not an AWS error (a proxy or load balancer in the way?)",
      },
      { cause: err },
    );
  }
  // Network errors carry no AWS code: name the errno (ECONNREFUSED…) or the SDK's error name.
  const code = e.Code ?? (status !== undefined ? e.name : (e.code ?? e.name));
  return new RemoteError(
    {
      service: where.service,
      operation,
      status,
      requestId: e.$metadata?.requestId,
      code: code && code !== "Error" ? code : undefined,
      apiMessage: clean(e.message),
    },
    { cause: err },
  );
}

export function awsErrorCode(err: unknown): string | undefined {
  if (err instanceof RemoteError) return err.data.code;
  const e = err as SdkErrorLike | undefined;
  return e?.Code ?? e?.name;
}
