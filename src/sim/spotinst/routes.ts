// The Spotinst endpoints the fake answers, as data: path template, pattern, and one handler per
// method. The server does transport, faults and auth; these only read and change the world.

import { actionReply, errorReply, listReply, type Reply, type RequestInfo } from "./envelope.js";
import { renderGroup, renderSsi, renderStatus } from "./render.js";
import type { SimAccount, SimGroup, SpotinstWorld } from "./world.js";

export interface RouteContext {
  req: RequestInfo;
  world: SpotinstWorld;
  account: SimAccount;
  params: string[];
}

type Handler = (ctx: RouteContext) => Reply;

export interface Route {
  /** With the method, the rate-limit bucket and stats key, e.g. "/aws/ec2/group/{groupId}/status". */
  template: string;
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

export type RouteMatch =
  | { kind: "found"; route: Route; handler: Handler; params: string[] }
  | { kind: "method-not-allowed"; route: Route }
  | { kind: "not-found" };

// The `kind` strings are our guess at Spotinst's naming; the reference says not to rely on them.
const KIND_GROUP = "spotinst:aws:ec2:group";
const KIND_STATUS = "spotinst:aws:ec2:group:instance";
const KIND_SSI = "spotinst:aws:ec2:group:statefulInstance";

const withGroup = (fn: (ctx: RouteContext, group: SimGroup) => Reply): Handler => {
  return (ctx) => {
    const groupId = ctx.params[0] ?? "";
    const group = ctx.world.findGroup(ctx.account.id, groupId);
    if (!group) return errorReply(ctx.req, 404, "GROUP_DOESNT_EXIST", `Group ${groupId} does not exist`);
    return fn(ctx, group);
  };
};

export const ROUTES: readonly Route[] = [
  {
    template: "/aws/ec2/group",
    pattern: /^\/aws\/ec2\/group$/,
    methods: { GET: (ctx) => listReply(ctx.req, KIND_GROUP, ctx.account.groups.map(renderGroup)) },
  },
  {
    template: "/aws/ec2/group/{groupId}",
    pattern: /^\/aws\/ec2\/group\/([^/]+)$/,
    methods: { GET: withGroup((ctx, group) => listReply(ctx.req, KIND_GROUP, [renderGroup(group)])) },
  },
  {
    template: "/aws/ec2/group/{groupId}/status",
    pattern: /^\/aws\/ec2\/group\/([^/]+)\/status$/,
    methods: { GET: withGroup((ctx, group) => listReply(ctx.req, KIND_STATUS, renderStatus(group))) },
  },
  {
    template: "/aws/ec2/group/{groupId}/statefulInstance",
    pattern: /^\/aws\/ec2\/group\/([^/]+)\/statefulInstance$/,
    // Non-stateful groups answer 200 with no items, which is how real clients tell them apart.
    methods: { GET: withGroup((ctx, group) => listReply(ctx.req, KIND_SSI, group.ssis.map(renderSsi))) },
  },
  // One route per action, as Spot's API reference lists them: each has its own rate-limit bucket.
  ...(["recycle", "pause", "resume", "deallocate"] as const).map(
    (action): Route => ({
      template: `/aws/ec2/group/{groupId}/statefulInstance/{ssiId}/${action}`,
      pattern: new RegExp(`^/aws/ec2/group/([^/]+)/statefulInstance/([^/]+)/${action}$`),
      methods: {
        PUT: (ctx) => {
          const [groupId = "", ssiId = ""] = ctx.params;
          const result = ctx.world.act(ctx.account.id, groupId, ssiId, action);
          return result.ok
            ? actionReply(ctx.req)
            : errorReply(ctx.req, result.status, result.code, result.message);
        },
      },
    }),
  ),
];

export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const handler = route.methods[method];
    if (!handler) return { kind: "method-not-allowed", route };
    return { kind: "found", route, handler, params: m.slice(1).map(decodeSegment) };
  }
  return { kind: "not-found" };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
