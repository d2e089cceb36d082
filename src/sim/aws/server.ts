// One HTTP endpoint for every simulated AWS service. Like AWS behind a custom endpoint, it tells
// services apart by the SigV4 credential scope (`…/us-east-1/ec2/aws4_request`), checks the access
// key id (the signature itself is not verified), applies the shared latency and fault plan, and
// renders answers and errors in each service's own XML shape.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { asgHandlers, asgMutatingActions } from "./asg-handlers.js";
import { ec2Handlers, ec2MutatingActions, type Handler } from "./ec2-handlers.js";
import {
  AwsFault,
  type AwsService,
  newRequestId,
  parseAuthorization,
  parseQuery,
  renderError,
  renderSuccess,
  str,
} from "./protocol.js";
import { handleSqs, isSqsRequest } from "./sqs-server.js";
import type { AwsWorld } from "./world.js";

export interface AwsCredentialsPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AwsServer {
  server: Server;
  /** Destroy hung and idle connections (on close). */
  dropConnections(): void;
}

const SERVICES: Record<AwsService, { handlers: Record<string, Handler>; mutating: Set<string> }> = {
  ec2: { handlers: ec2Handlers, mutating: ec2MutatingActions },
  autoscaling: { handlers: asgHandlers, mutating: asgMutatingActions },
  sts: { handlers: {}, mutating: new Set() },
};

export function createAwsServer(world: AwsWorld, credentials: AwsCredentialsPair): AwsServer {
  // Temporary keys handed out by the fake STS AssumeRole are valid too.
  const validKeys = new Set([credentials.accessKeyId]);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const serve = isSqsRequest(req) ? handleSqs : handle;
    serve(world, validKeys, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        const fault = new AwsFault(500, "InternalError", (err as Error)?.message ?? "internal error");
        send(res, 500, renderError("ec2", fault, newRequestId()), newRequestId());
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    server,
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    "content-type": "text/xml;charset=UTF-8",
    "x-amzn-requestid": requestId,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function handle(
  world: AwsWorld,
  validKeys: Set<string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const requestId = newRequestId();
  const scope = parseAuthorization(req.headers.authorization);
  const service: AwsService =
    scope?.service === "ec2" || scope?.service === "sts" ? scope.service : "autoscaling";
  const reply = async (status: number, xml: string) => {
    if (world.shared.latencyMs > 0) await sleep(world.shared.latencyMs);
    send(res, status, xml, requestId);
  };
  const fail = (fault: AwsFault) => reply(fault.status, renderError(service, fault, requestId));

  try {
    const { action, params } = parseQuery(body);
    const problem = checkRequest(world, validKeys, scope, service, action);
    if (problem) return await fail(problem);
    const region = scope!.region;

    const route = `${service}:${action}`;
    world.requestCounts[route] = (world.requestCounts[route] ?? 0) + 1;
    const fault = world.shared.faults.next(route);
    if (fault.kind === "hang") return; // never answered; the client's timeout decides
    if (fault.kind === "throttle") {
      return await fail(
        service === "ec2"
          ? new AwsFault(503, "RequestLimitExceeded", "Request limit exceeded.")
          : new AwsFault(400, "Throttling", "Rate exceeded"),
      );
    }
    if (fault.kind === "server-error" && fault.status === 502) {
      // A load balancer's page, not AWS XML: clients must retry on the status alone.
      if (world.shared.latencyMs > 0) await sleep(world.shared.latencyMs);
      res.writeHead(502, { "content-type": "text/html" });
      return void res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    }
    if (fault.kind === "server-error") {
      const code =
        service === "ec2"
          ? fault.status === 503
            ? "Unavailable"
            : "InternalError"
          : fault.status === 503
            ? "ServiceUnavailable"
            : "InternalFailure";
      return await fail(new AwsFault(fault.status, code, "An internal error has occurred"));
    }

    if (service === "sts")
      return await reply(
        200,
        renderSuccess("sts", action, requestId, answerSts(world, validKeys, action, params)),
      );
    const { handlers, mutating } = SERVICES[service];
    const result = handlers[action]!(world, { region, params });
    if (mutating.has(action)) {
      world.shared.mutatingCalls[service] = (world.shared.mutatingCalls[service] ?? 0) + 1;
      world.shared.record({
        type: "action",
        subject:
          str(params, "AutoScalingGroupName") ??
          str(params, "InstanceId") ??
          str(params, "InstanceId.1") ??
          service,
        detail: { service, action, region },
      });
    }
    await reply(200, renderSuccess(service, action, requestId, result));
  } catch (err) {
    if (err instanceof AwsFault) return await fail(err);
    throw err;
  }
}

function checkRequest(
  world: AwsWorld,
  validKeys: Set<string>,
  scope: ReturnType<typeof parseAuthorization>,
  service: AwsService,
  action: string,
): AwsFault | undefined {
  if (!scope)
    return new AwsFault(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  if (!["ec2", "autoscaling", "sts"].includes(scope.service)) {
    return new AwsFault(400, "InvalidAction", `The simulator does not serve the service ${scope.service}`);
  }
  if (!validKeys.has(scope.accessKeyId)) {
    return service === "ec2"
      ? new AwsFault(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
      : new AwsFault(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  if (service !== "sts" && !world.fleet.regions.includes(scope.region)) {
    if (world.fleet.opt_in_required_regions.includes(scope.region)) {
      return new AwsFault(
        401,
        "OptInRequired",
        "You are not subscribed to this service. Please go to http://aws.amazon.com to subscribe.",
      );
    }
    // A region the account has not enabled answers like bad credentials, as AWS does.
    return service === "ec2"
      ? new AwsFault(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
      : new AwsFault(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  const known =
    service === "sts" ? ["AssumeRole", "GetCallerIdentity"] : Object.keys(SERVICES[service].handlers);
  if (!known.includes(action)) {
    return new AwsFault(
      400,
      "InvalidAction",
      `The action ${action || "(none)"} is not valid for this web service.`,
    );
  }
  if (world.denied.has(`${service}:${action}`)) {
    return service === "ec2"
      ? new AwsFault(403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
      : new AwsFault(
          403,
          "AccessDenied",
          `User: arn:aws:iam::${world.accountId}:user/rollcall-sim is not authorized to perform: ${service}:${action}`,
        );
  }
  return undefined;
}

function answerSts(
  world: AwsWorld,
  validKeys: Set<string>,
  action: string,
  params: ReturnType<typeof parseQuery>["params"],
): object {
  if (action === "GetCallerIdentity") {
    return {
      UserId: "AIDASIMULATOR000000001",
      Account: world.accountId,
      Arn: `arn:aws:iam::${world.accountId}:user/rollcall-sim`,
    };
  }
  const roleArn = str(params, "RoleArn") ?? "";
  const session = str(params, "RoleSessionName") ?? "session";
  const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
  if (!m) throw new AwsFault(400, "ValidationError", `${roleArn} is not a valid role ARN`);
  const accessKeyId = `ASIA${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
  validKeys.add(accessKeyId);
  const seconds = Number(str(params, "DurationSeconds") ?? 3600);
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomUUID().replace(/-/g, ""),
      SessionToken: Buffer.from(randomUUID()).toString("base64"),
      Expiration: new Date(Date.now() + seconds * 1000).toISOString(),
    },
    AssumedRoleUser: {
      AssumedRoleId: `AROASIMULATOR:${session}`,
      Arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${session}`,
    },
  };
}
