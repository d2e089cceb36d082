// YAML as Ansible loads it (PyYAML's YAML 1.1): `yes`/`on`/`off` are booleans, `0777` is octal,
// `1:20` is 80; but `y`/`n` stay strings and dates stay strings (Ansible prints a date as its
// ISO text). Mappings come back as Maps, so key order and non-string keys survive exactly.
import { LineCounter, parseDocument, Scalar, type Tags } from "yaml";
import type { Issue } from "../../errors.js";

const BOOL = "tag:yaml.org,2002:bool";
const pyBool = (value: boolean, test: RegExp) => ({
  identify: (v: unknown) => v === value,
  default: true,
  tag: BOOL,
  test,
  resolve: () => new Scalar(value),
});

function pyYamlTags(tags: Tags): Tags {
  return [
    ...tags.filter(
      (t) => typeof t === "string" || (t.tag !== BOOL && t.tag !== "tag:yaml.org,2002:timestamp"),
    ),
    pyBool(true, /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/),
    pyBool(false, /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/),
  ];
}

export type YamlLoad = { ok: true; value: unknown } | { ok: false; issue: Issue };

export function loadAnsibleYaml(text: string, file: string): YamlLoad {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    customTags: pyYamlTags,
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: false,
  });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    return {
      ok: false,
      issue: { message: `invalid YAML: ${error.message.split("\n")[0]}`, at: { file, line, col } },
    };
  }
  // Tags Ansible adds (!unsafe, !vault) come through as their plain text: data, never templates.
  return { ok: true, value: doc.toJS({ mapAsMap: true, maxAliasCount: 100 }) };
}

/** Maps (from loadAnsibleYaml) → plain objects, for values that become variables. */
export function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  return value;
}
