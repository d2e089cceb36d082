// The HTTP side of the SQS fake, on the AWS port: a request is SQS when its SigV4 scope names
// `sqs` (or it carries `X-Amz-Target: AmazonSQS.*`). Same rules as the other services (access
// key, enabled regions, denied actions, the shared fault plan and latency), answered in SQS's
// JSON shapes: `{"__type": "com.amazonaws.sqs#X", "message"}` plus the query-compatible
// `x-amzn-query-error: Code;Sender` header the SDK reads first.
import type { IncomingMessage, ServerResponse } from "node:http";
import { newRequestId, parseAuthorization } from "./protocol.js";
import { sqsHandlers, sqsMutatingActions } from "./sqs-handlers.js";
import { SqsFault } from "./sqs-queues.js";
import type { AwsWorld } from "./world.js";

export function isSqsRequest(req: IncomingMessage): boolean {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string" && target.startsWith("AmazonSQS.")) return true;
  return parseAuthorization(req.headers.authorization)?.service === "sqs";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function handleSqs(
  world: AwsWorld,
  validKeys: Set<string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const text = await readBody(req);
  const requestId = newRequestId();
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const reply = async (status: number, body: object, headers: Record<string, string> = {}) => {
    if (world.shared.latencyMs > 0) await sleep(world.shared.latencyMs);
    if (gone.signal.aborted) return;
    const json = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      "content-length": Buffer.byteLength(json),
      ...headers,
    });
    res.end(json);
  };
  const fail = (f: SqsFault) =>
    reply(
      f.status,
      { __type: `com.amazonaws.sqs#${f.shape}`, message: f.message },
      { "x-amzn-query-error": `${f.queryCode};${f.status >= 500 ? "Receiver" : "Sender"}` },
    );

  try {
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.startsWith("AmazonSQS.") ? target.slice("AmazonSQS.".length) : "";
    const scope = parseAuthorization(req.headers.authorization);
    const problem = checkSqsRequest(world, validKeys, scope, action);
    if (problem) return await fail(problem);
    const route = `sqs:${action}`;
    world.requestCounts[route] = (world.requestCounts[route] ?? 0) + 1;
    const fault = world.shared.faults.next(route);
    if (fault.kind === "hang") return; // never answered; the client's timeout decides
    if (fault.kind === "throttle")
      return await fail(new SqsFault(403, "RequestThrottled", "RequestThrottled", "Rate exceeded"));
    if (fault.kind === "server-error") {
      if (fault.status === 502) {
        if (world.shared.latencyMs > 0) await sleep(world.shared.latencyMs);
        res.writeHead(502, { "content-type": "text/html" });
        return void res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      }
      const shape = fault.status === 503 ? "ServiceUnavailable" : "InternalError";
      return await fail(new SqsFault(fault.status, shape, shape, "An internal error has occurred"));
    }
    let input: Record<string, unknown>;
    try {
      input = text.trim() === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      return await fail(
        new SqsFault(400, "SerializationException", "SerializationException", "Malformed JSON"),
      );
    }
    const out = await sqsHandlers[action]!(world.sqs, {
      region: scope!.region,
      input,
      signal: gone.signal,
    });
    if (sqsMutatingActions.has(action))
      world.shared.mutatingCalls.sqs = (world.shared.mutatingCalls.sqs ?? 0) + 1;
    await reply(200, out);
  } catch (err) {
    if (err instanceof SqsFault) return await fail(err);
    throw err;
  }
}

function checkSqsRequest(
  world: AwsWorld,
  validKeys: Set<string>,
  scope: ReturnType<typeof parseAuthorization>,
  action: string,
): SqsFault | undefined {
  if (!scope)
    return new SqsFault(
      403,
      "MissingAuthenticationToken",
      "MissingAuthenticationToken",
      "Request is missing Authentication Token",
    );
  if (!validKeys.has(scope.accessKeyId) || !world.fleet.regions.includes(scope.region)) {
    return new SqsFault(
      403,
      "InvalidClientTokenId",
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
    );
  }
  if (!Object.hasOwn(sqsHandlers, action)) {
    return new SqsFault(
      400,
      "UnsupportedOperation",
      "AWS.SimpleQueueService.UnsupportedOperation",
      `The simulator does not serve SQS ${action || "(no action)"}.`,
    );
  }
  if (world.denied.has(`sqs:${action}`)) {
    return new SqsFault(
      403,
      "AccessDenied",
      "AccessDenied",
      `User: arn:aws:iam::${world.accountId}:user/rollcall-sim is not authorized to perform: sqs:${action}`,
    );
  }
  return undefined;
}
