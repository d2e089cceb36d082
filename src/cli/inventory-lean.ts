// The inventory's fast path: recognise the inventory calls without yargs, and answer them from
// the cached built output without loading anything heavy (src/cache/lean-output.ts). Ansible runs
// `rollcall --list` on every command, so this file and what it imports are the start-up cost of
// the product. Any doubt — an option we do not parse here, no config, a miss — returns false and
// the caller takes the normal path.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readLeanOutput } from "../cache/lean-output.js";
import { type CliContext, cacheDirOf } from "./context.js";

export interface InventoryArgs {
  list?: boolean;
  host?: string;
  config?: string;
  refreshCache?: boolean;
  verbose?: number;
}

/**
 * `--list`, `--host NAME` (Ansible's calls, bare or after `inventory`), with `-c/--config FILE`,
 * `--refresh-cache` and `-v…`. Anything else (help, --debug, a typo) is left to yargs.
 */
export function parseInventoryCall(argv: readonly string[]): InventoryArgs | undefined {
  const args = argv[0] === "inventory" ? argv.slice(1) : argv;
  const out: InventoryArgs = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    // A value must be there, non-empty, and not look like an option.
    const value = () => {
      const v = inline !== undefined ? inline : args[++i];
      return v && !v.startsWith("-") ? v : undefined;
    };
    if (flag === "--list" && inline === undefined && !out.list) out.list = true;
    else if (flag === "--host" && out.host === undefined) {
      out.host = value();
      if (out.host === undefined) return undefined;
    } else if ((flag === "-c" || flag === "--config") && out.config === undefined) {
      out.config = value();
      if (out.config === undefined) return undefined;
    } else if (flag === "--refresh-cache" && inline === undefined) out.refreshCache = true;
    else if (/^-v+$/.test(a)) out.verbose = (out.verbose ?? 0) + a.length - 1;
    else if (flag === "--verbose" && inline === undefined) out.verbose = (out.verbose ?? 0) + 1;
    else return undefined;
  }
  return Boolean(out.list) === (out.host !== undefined) ? undefined : out;
}

/** Print from the cached built output; false on a miss (nothing printed). */
export function printFromLeanCache(args: InventoryArgs, ctx: CliContext): boolean {
  const file = args.config ?? ctx.env.ROLLCALL_CONFIG;
  if (!file || args.refreshCache) return false;
  const configPath = resolve(ctx.cwd, file);
  let configBytes: Buffer;
  try {
    configBytes = readFileSync(configPath);
  } catch {
    return false; // the normal path reports it properly
  }
  const hit = readLeanOutput({
    dir: cacheDirOf(ctx),
    configPath,
    configBytes,
    env: ctx.env,
    homeDir: ctx.homeDir,
    uid: process.getuid?.(),
  });
  if (!hit.ok) return false;
  if (args.host === undefined && !ctx.stdoutIsTTY) {
    writeBytes(ctx, hit.body);
  } else {
    // One host, or indented for a person: parse first, so a damaged entry is a miss, not a crash.
    let text: string;
    try {
      const list = JSON.parse(hit.body.toString("utf8")) as {
        _meta?: { hostvars?: Record<string, unknown> };
      };
      const hostvars = list._meta?.hostvars ?? {};
      const host = args.host;
      const out = host === undefined ? list : Object.hasOwn(hostvars, host) ? hostvars[host] : {};
      text = `${JSON.stringify(out, null, ctx.stdoutIsTTY ? 2 : undefined)}\n`;
    } catch {
      return false;
    }
    ctx.stdout(text);
  }
  if ((args.verbose ?? 0) > 0) ctx.stderr("rollcall: inventory from the cached built output\n");
  return true;
}

/** The stored bytes as they are, plus the newline the normal path prints. */
function writeBytes(ctx: CliContext, body: Buffer): void {
  if (ctx.stdoutBytes) {
    ctx.stdoutBytes(body);
    ctx.stdoutBytes(NEWLINE);
  } else {
    ctx.stdout(`${body.toString("utf8")}\n`);
  }
}

const NEWLINE = Buffer.from("\n");

/** Absolute config path and its bytes, for keying the built output after a normal build. */
export function readConfigBytes(file: string, ctx: CliContext): { path: string; bytes: Buffer } | undefined {
  const path = resolve(ctx.cwd, file);
  try {
    return { path, bytes: readFileSync(path) };
  } catch {
    return undefined;
  }
}
