// Shared set-up for the `connection: ssh` play tests: a real sshd fixture, a work dir that is
// also the CLI's home (so ~/.ssh/known_hosts is the fixture's), a static inventory config, and
// `rollcall play` run in-process with its JSON events and key-material checks.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { runCli } from "../../../src/cli/main.js";
import type { PlayEvent } from "../../../src/play/events.js";
import type { SshFixture } from "../../helpers/sshd.js";
import { memoryContext, type PlayRun } from "../support.js";

export type TaskResultEvent = Extract<PlayEvent, { type: "task_result" }>;

/** Write `dir/.ssh/known_hosts` (the CLI's default file, since the test home is `dir`). */
export async function writeHomeKnownHosts(dir: string, lines: string[]): Promise<void> {
  await mkdir(join(dir, ".ssh"), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, ".ssh", "known_hosts"), `${lines.join("\n")}\n`);
}

/** A static-source inventory config file (no cache). */
export async function writeInventory(
  dir: string,
  hosts: Record<string, Record<string, unknown>>,
  groups: Record<string, string[]> = {},
  file = "inv.yml",
): Promise<string> {
  const config = { sources: [{ type: "static", hosts, groups }], cache: { enabled: false } };
  await writeFile(join(dir, file), stringify(config));
  return file;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Called with each JSON event as it is printed (while the run goes on). */
  onEvent?: (event: PlayEvent) => void;
}

/** `rollcall play play.yml …args` in-process; `--json` is added when `json` is true. */
export async function runPlay(
  dir: string,
  playbook: string,
  args: string[],
  options: RunOptions = {},
): Promise<PlayRun & { results: TaskResultEvent[] }> {
  await writeFile(join(dir, "play.yml"), playbook);
  const env = { XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache"), ...options.env };
  const ctx = memoryContext(dir, env);
  const events: PlayEvent[] = [];
  const json = args.includes("--json");
  ctx.stdout = (text) => {
    ctx.out.push(text);
    if (!json) return;
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      const e = JSON.parse(line) as PlayEvent;
      events.push(e);
      options.onEvent?.(e);
    }
  };
  const code = await runCli(["play", "play.yml", ...args], ctx, { play: { showElapsed: false } });
  return {
    code,
    stdout: ctx.out.join(""),
    stderr: ctx.err.join(""),
    events,
    results: events.filter((e): e is TaskResultEvent => e.type === "task_result"),
  };
}

/** The result of the task named `name` on `host`. */
export function resultOf(r: { results: TaskResultEvent[] }, name: string, host: string): TaskResultEvent {
  const e = r.results.find((x) => x.task.name === name && x.host === host);
  if (!e) throw new Error(`no result for task "${name}" on ${host}`);
  return e;
}

/** Lines (≥ 20 chars, not the BEGIN/END armour) of every private key in the fixture dir. */
export async function privateKeyLines(fx: SshFixture, extra: string[] = []): Promise<string[]> {
  const names = (await readdir(fx.dir)).filter((n) => !n.includes(".") && !n.startsWith("sshd-"));
  const texts: string[] = [];
  for (const n of [...names, ...extra]) {
    const text = await readFile(join(fx.dir, n), "utf8").catch(() => "");
    if (text.includes("PRIVATE KEY")) texts.push(text);
  }
  return texts.flatMap((t) => t.split("\n")).filter((l) => l.length >= 20 && !l.startsWith("-----"));
}

/** Every file's text under `dir` (journals, caches), recursively; empty when it does not exist. */
export async function readTree(dir: string): Promise<string> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return "";
  if (st.isFile()) return readFile(dir, "utf8");
  const parts = await Promise.all((await readdir(dir)).map((n) => readTree(join(dir, n))));
  return parts.join("\n");
}
