// Ansible-style text output (the default callback): banners, per-host lines, retries, the
// recap; a live status line for long waits when a TTY is attached.
import type { CleanResult, PlayEvent, TaskStatus } from "../events.js";
import { banner, type Color, formatElapsed, formatWait, paint, pyJson, recapLine } from "./format.js";

export interface LiveLine {
  update(text: string): void;
  clear(): void;
}

export interface TextReporterOptions {
  write: (text: string) => void;
  /** Warnings go here (stderr), as Ansible does. */
  warn: (text: string) => void;
  color: boolean;
  verbosity: number;
  /** Banner width: 79 off a TTY, terminal width − 1 (at least 79) on one. */
  columns: number;
  /** Only on a TTY: a status area rewritten in place. */
  live?: LiveLine;
  /** Print the total run time after the recap (off for golden tests). */
  showElapsed?: boolean;
}

const STATUS_COLOR: Record<TaskStatus, Color> = {
  ok: "ok",
  changed: "changed",
  failed: "error",
  skipped: "skip",
  unreachable: "unreachable",
};

// One piece (≈90 lines, a few of its own): the event handler and the line helpers share the
// reporter's state (open waits, current play); the handler itself is under 80 lines.
export function createTextReporter(o: TextReporterOptions): (event: PlayEvent) => void {
  const waits = new Map<string, string>();
  let playName = "";
  let check = false;
  /** The PLAY banner was printed for --resume's skipped hosts; the first batch reuses it. */
  let skipBanner = false;
  const renderLive = () => {
    if (!o.live) return;
    if (waits.size === 0) o.live.clear();
    else o.live.update([...waits.values()].join("\n"));
  };
  const line = (text: string, color?: Color) => {
    if (o.live && waits.size > 0) o.live.clear();
    o.write(`${paint(text, color, o.color)}\n`);
    if (o.live && waits.size > 0) renderLive();
  };
  const bannerLine = (text: string) => line(banner(text, o.columns));
  const mark = (on: boolean) => (on ? " [CHECK MODE]" : "");
  const dump = (r: CleanResult, verbose: boolean, action: string) => {
    const shown = cleanForDisplay(r, action, o.verbosity);
    return pyJson(shown, verbose || o.verbosity > 2 ? 4 : undefined);
  };
  return (e) => {
    switch (e.type) {
      case "playbook_start":
        if (o.verbosity > 1) bannerLine(`PLAYBOOK: ${e.file.split("/").at(-1)}`);
        if (e.check) bannerLine("DRY RUN");
        break;
      case "warning":
        o.warn(`${paint(`[WARNING]: ${e.message}`, "warn", o.color)}\n`);
        break;
      case "play_start":
        playName = e.play.name;
        check = e.check;
        skipBanner = false;
        break;
      case "no_hosts_matched":
        bannerLine(`PLAY [${playName}]${mark(check)}`);
        line("skipping: no hosts matched", "skip");
        break;
      case "host_skipped":
        // --resume: shown under the play's banner, before its first batch runs.
        if (!skipBanner) bannerLine(`PLAY [${playName}]${mark(check)}`);
        skipBanner = true;
        line(`skipping: [${e.host}] => ${e.reason}`, "skip");
        break;
      case "batch_start":
        if (!skipBanner || e.batch > 1) bannerLine(`PLAY [${playName}]${mark(check)}`);
        skipBanner = false;
        break;
      case "task_start":
        bannerLine(`TASK [${e.task.name}]${mark(e.task.checkMode)}`);
        if (o.verbosity >= 2) line(`task path: ${e.task.path}`, "debug");
        break;
      case "task_message":
        line(e.message);
        break;
      case "task_progress":
        waits.set(
          `${e.host}\0${e.task.index}`,
          `  ${e.message} [${label(e)}] ${formatWait(e.elapsedMs, e.timeoutMs)}`,
        );
        renderLive();
        break;
      case "task_retry":
        line(...retryLine(e, o.verbosity, dump));
        break;
      case "item_result":
        line(...itemLine(e, o.verbosity, dump));
        break;
      case "task_result":
        if (waits.delete(`${e.host}\0${e.task.index}`)) renderLive();
        for (const [text, color] of resultLines(e, o.verbosity, dump)) line(text, color);
        break;
      case "no_more_hosts":
        bannerLine("NO MORE HOSTS LEFT");
        break;
      case "playbook_end":
        waits.clear();
        renderLive();
        bannerLine("PLAY RECAP");
        for (const [host, s] of Object.entries(e.stats)) line(recapLine(host, s, o.color));
        line("");
        if (check) bannerLine("DRY RUN");
        if (o.showElapsed !== false) line(formatElapsed(e.elapsedMs));
        break;
      default:
        break;
    }
  };
}

type ResultEvent = Extract<PlayEvent, { type: "task_result" }>;
type Dump = (r: CleanResult, verbose: boolean, action: string) => string;

function retryLine(
  e: Extract<PlayEvent, { type: "task_retry" }>,
  verbosity: number,
  dump: Dump,
): [string, Color] {
  // As Ansible: shown for verbose-always modules (debug) or from -vvv; not cleaned like debug output.
  const shown = e.verbose || verbosity > 2;
  const more = shown ? `Result was: ${dump(e.result, e.verbose, "")}` : "";
  return [
    `FAILED - RETRYING: [${label(e)}]: ${e.task.name} (${e.retriesLeft} retries left).${more}`,
    "debug",
  ];
}

function itemLine(
  e: Extract<PlayEvent, { type: "item_result" }>,
  verbosity: number,
  dump: Dump,
): [string, Color] {
  const item = typeof e.item === "string" ? e.item : pyJson(e.item);
  const details = dump(e.result, e.verbose, e.task.action);
  const verbose = e.verbose || verbosity > 0;
  if (e.status === "failed" || e.status === "unreachable")
    return [`failed: [${label(e)}] (item=${item}) => ${details}`, "error"];
  if (e.status === "skipped")
    return [`skipping: [${e.host}] => (item=${item}) ${verbose ? ` => ${details}` : ""}`, "skip"];
  return [
    `${e.status}: [${label(e)}] => (item=${item})${verbose ? ` => ${details}` : ""}`,
    STATUS_COLOR[e.status],
  ];
}

function resultLines(e: ResultEvent, verbosity: number, dump: Dump): [string, Color | undefined][] {
  const out: [string, Color | undefined][] = [];
  const verbose = e.verbose || verbosity > 0;
  const details = () => dump(e.result, e.verbose, e.task.action);
  if (e.status === "unreachable")
    out.push([`fatal: [${label(e)}]: UNREACHABLE! => ${details()}`, "unreachable"]);
  else if (e.status === "failed") {
    // A failed loop was already shown item by item.
    if (!e.task.loop || !Array.isArray(e.result.results))
      out.push([`fatal: [${label(e)}]: FAILED! => ${details()}`, "error"]);
    if (e.ignored) out.push(["...ignoring", "skip"]);
  } else if (e.status === "skipped")
    out.push([`skipping: [${e.host}]${verbose ? ` => ${details()}` : ""}`, "skip"]);
  else if (!e.task.loop || !Array.isArray(e.result.results)) {
    out.push([`${e.status}: [${label(e)}]${verbose ? ` => ${details()}` : ""}`, STATUS_COLOR[e.status]]);
  }
  return out;
}

function label(e: { host: string; delegate?: string }): string {
  return e.delegate ? `${e.host} -> ${e.delegate}` : e.host;
}

const DEBUG_HIDDEN = ["changed", "failed", "skipped", "invocation", "skip_reason"];

/** What Ansible's callback removes before showing a result. */
function cleanForDisplay(r: CleanResult, action: string, verbosity: number): CleanResult {
  const out: CleanResult = { ...r };
  // Statuses are already in the line ("fatal:", "skipping:"), as in Ansible's clean_copy().
  delete out.failed;
  delete out.skipped;
  if (verbosity < 3) {
    delete out.invocation;
    delete out.diff;
  }
  delete out.exception;
  if (action === "debug") {
    if ("msg" in out) {
      for (const k of Object.keys(out)) if (!["msg", "warnings", "deprecations"].includes(k)) delete out[k];
    } else for (const k of DEBUG_HIDDEN) delete out[k];
  }
  return out;
}
