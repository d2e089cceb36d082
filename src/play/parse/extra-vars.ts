// `-e` values: `k=v k2=v2` (strings, as Ansible), `@file.yml`, or inline YAML/JSON `{…}`.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describeFsError, parseYaml } from "../../config/yaml.js";
import { ExitCode, type Issue } from "../../errors.js";
import type { Vars } from "../../inventory/model.js";
import { parseKeyValue, splitArgs } from "./key-value-args.js";

export async function parseExtraVars(
  specs: readonly string[],
  cwd: string,
): Promise<{ vars: Vars; issues: Issue[] }> {
  const vars: Vars = {};
  const issues: Issue[] = [];
  for (const spec of specs) {
    const r = await parseOne(spec, cwd);
    // Data that is not a mapping is Ansible's option error (5); unparsable YAML its parser error (4).
    if (typeof r === "string") issues.push({ message: r, exitCode: ExitCode.badOption });
    else if (Array.isArray(r)) issues.push(...r);
    else Object.assign(vars, r);
  }
  return { vars, issues };
}

async function parseOne(spec: string, cwd: string): Promise<Vars | Issue[] | string> {
  if (spec.startsWith("@")) {
    const file = spec.slice(1);
    let text: string;
    try {
      text = await readFile(resolve(cwd, file), "utf8");
    } catch (err) {
      return [
        { message: `-e ${spec}: cannot read ${file}: ${describeFsError(err)}`, exitCode: ExitCode.error },
      ];
    }
    return parseMapping(text, file, `-e ${spec}`);
  }
  const trimmed = spec.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return parseMapping(trimmed, "-e", "-e");
  let tokens: string[];
  try {
    tokens = splitArgs(spec);
  } catch (err) {
    return `-e "${spec}": ${(err as Error).message}`;
  }
  const out: Vars = {};
  for (const token of tokens) {
    const kv = parseKeyValue(token);
    if (!kv) return `-e: expected key=value, @file or a JSON/YAML mapping, got "${token}"`;
    out[kv[0]] = kv[1];
  }
  return out;
}

function parseMapping(text: string, file: string, what: string): Vars | Issue[] | string {
  const r = parseYaml(text, file);
  if (!r.ok) return r.issues;
  const v = r.value.value;
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) return `${what}: expected a mapping of variables`;
  return v as Vars;
}
