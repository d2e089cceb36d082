// wait_for: wait for a TCP port or a file, with Ansible's parameters, defaults, messages and
// return values. Runs on the controller (rollcall checks service ports from where it runs).
// One deliberate difference: without an explicit `sleep`, checks repeat every 50 ms instead of
// every second, so an opened port is noticed within 100 ms.
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { int, list, num, str } from "./params.js";
import type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";
import {
  countActiveConnections,
  DEFAULT_ACTIVE_STATES,
  searchFile,
  sleepUnlessAborted,
  tryConnect,
  waitForMatch,
} from "./wait-probes.js";

const params = z.strictObject({
  host: str().optional(),
  port: int().optional(),
  path: str().optional(),
  state: z.enum(["started", "present", "stopped", "absent", "drained"]).optional(),
  delay: num().optional(),
  timeout: num().optional(),
  connect_timeout: num().optional(),
  sleep: num().optional(),
  search_regex: str().optional(),
  msg: str().optional(),
  exclude_hosts: list(str()).optional(),
  active_connection_states: list(str()).optional(),
});
type Params = z.output<typeof params>;

const FAST_POLL_MS = 50;

export const waitForModule: ModuleDef<Params> = {
  name: "wait_for",
  params,
  checkMode: "supported",
  run: (p, ctx) => waitFor(p, ctx),
};

async function waitFor(p: Params, ctx: ModuleContext): Promise<ModuleResult> {
  const host = p.host ?? "127.0.0.1";
  const state = p.state ?? "started";
  const timeoutMs = (p.timeout ?? 300) * 1000;
  const connectMs = (p.connect_timeout ?? 5) * 1000;
  const pollMs = p.sleep !== undefined ? p.sleep * 1000 : FAST_POLL_MS;
  const early = invalidCombination(p, state);
  if (early) return { failed: true, msg: early, elapsed: 0 };
  let regex: RegExp | undefined;
  if (p.search_regex !== undefined) {
    try {
      regex = new RegExp(p.search_regex.replace(/\(\?P</g, "(?<"), "m");
    } catch (err) {
      return { failed: true, msg: `Invalid regular expression: ${(err as Error).message}` };
    }
  }
  const start = ctx.now();
  const deadline = start + timeoutMs;
  const elapsed = () => Math.floor((ctx.now() - start) / 1000);
  const target = p.port !== undefined ? `${host}:${p.port}` : p.path !== undefined ? `file ${p.path}` : "";
  const what =
    state === "stopped" || state === "absent"
      ? `${target} to stop`
      : state === "drained"
        ? `${target} to drain`
        : target;
  const report = () =>
    ctx.progress({ message: `waiting for ${what}`, elapsedMs: ctx.now() - start, timeoutMs });
  const fail = (text: string): ModuleResult => ({ failed: true, msg: p.msg ?? text, elapsed: elapsed() });
  const poll = async (check: () => Promise<boolean>): Promise<boolean> => {
    while (ctx.now() < deadline && !ctx.signal.aborted) {
      report();
      if (await check()) return true;
      await sleepUnlessAborted(Math.min(pollMs, Math.max(0, deadline - ctx.now())), ctx.signal);
    }
    return false;
  };

  if (p.delay) await sleepUnlessAborted(p.delay * 1000, ctx.signal);
  let matchGroups: (string | null)[] = [];
  let matchGroupdict: Record<string, string | null> = {};
  const remember = (m: RegExpExecArray) => {
    matchGroups = m.slice(1).map((g) => g ?? null);
    matchGroupdict = { ...(m.groups ?? {}) };
  };

  const w: Wait = { p, ctx, host, connectMs, deadline, regex, poll, remember, fail };
  if (p.port === undefined && p.path === undefined && state !== "drained") {
    await sleepUnlessAborted(Math.max(0, deadline - ctx.now()), ctx.signal);
  } else if (state === "stopped" || state === "absent") {
    const failed = await waitStopped(w);
    if (failed) return failed;
  } else if (state === "started" || state === "present") {
    const failed = await waitStarted(w);
    if (failed) return failed;
  } else {
    const states = p.active_connection_states ?? DEFAULT_ACTIVE_STATES;
    const drained = await poll(
      async () => (await countActiveConnections(readFile, p.port!, states, p.exclude_hosts ?? [])) === 0,
    );
    if (!drained) return fail(`Timeout when waiting for ${host}:${p.port} to drain`);
  }
  return {
    changed: false,
    state,
    port: p.port ?? null,
    path: p.path ?? null,
    search_regex: p.search_regex ?? null,
    match_groups: matchGroups,
    match_groupdict: matchGroupdict,
    elapsed: elapsed(),
  };
}

/** What the wait loops share. */
interface Wait {
  p: Params;
  ctx: ModuleContext;
  host: string;
  connectMs: number;
  deadline: number;
  regex: RegExp | undefined;
  /** Run `check` until it holds, the deadline passes or the task is aborted. */
  poll: (check: () => Promise<boolean>) => Promise<boolean>;
  /** Keep a search_regex match's groups for the result. */
  remember: (m: RegExpExecArray) => void;
  fail: (text: string) => ModuleResult;
}

/** state=stopped|absent: the port refuses connections, or the file is gone. */
async function waitStopped({ p, ctx, host, connectMs, poll, fail }: Wait): Promise<ModuleResult | undefined> {
  const gone = await poll(async () => {
    if (p.path !== undefined) return !(await exists(p.path));
    const sock = await tryConnect(host, p.port!, connectMs, ctx.signal);
    sock?.destroy();
    return sock === undefined;
  });
  if (gone) return undefined;
  return fail(
    p.port !== undefined
      ? `Timeout when waiting for ${host}:${p.port} to stop.`
      : `Timeout when waiting for ${p.path} to be absent.`,
  );
}

/** state=started|present: the port accepts (and shows search_regex), or the file exists (and matches). */
async function waitStarted(w: Wait): Promise<ModuleResult | undefined> {
  const { p, ctx, host, connectMs, deadline, regex } = w;
  const ready = await w.poll(async () => {
    if (p.path !== undefined) {
      const m = await searchFile(p.path, regex);
      if (m && m !== true) w.remember(m);
      return m !== undefined;
    }
    const sock = await tryConnect(
      host,
      p.port!,
      Math.min(connectMs, Math.max(1, deadline - ctx.now())),
      ctx.signal,
    );
    if (!sock) return false;
    if (!regex) {
      sock.destroy();
      return true;
    }
    const m = await waitForMatch(sock, regex, deadline - ctx.now(), ctx.signal);
    if (m) w.remember(m);
    return m !== undefined;
  });
  if (ready) return undefined;
  if (p.port !== undefined) {
    return w.fail(
      regex
        ? `Timeout when waiting for search string ${p.search_regex} in ${host}:${p.port}`
        : `Timeout when waiting for ${host}:${p.port}`,
    );
  }
  return w.fail(
    regex
      ? `Timeout when waiting for search string ${p.search_regex} in ${p.path}`
      : `Timeout when waiting for file ${p.path}`,
  );
}

function invalidCombination(p: Params, state: string): string | undefined {
  if (p.port !== undefined && p.path !== undefined)
    return "port and path parameter can not both be passed to wait_for";
  if (p.path !== undefined && state === "stopped") {
    return "state=stopped should only be used for checking a port in the wait_for module";
  }
  if (p.path !== undefined && state === "drained") {
    return "state=drained should only be used for checking a port in the wait_for module";
  }
  if (p.exclude_hosts !== undefined && state !== "drained")
    return "exclude_hosts should only be with state=drained";
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
