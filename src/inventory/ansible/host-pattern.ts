// Host entries as Ansible's YAML and INI inventories write them: `name`, `name:port`,
// `[ipv6]:port`, and ranges `web[01:20]`, `db-[a:f]`, `x[1:10:2]` (ansible-core 2.14
// parsing/utils/addresses.py parse_address, plugins/inventory/__init__.py expand_hostname_range).
import { InventoryDataError } from "./data.js";

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const I4 = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const I6 = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const LABEL = String.raw`(?:[\p{L}\p{N}_]|${ALNUM_RANGE})(?:[\p{L}\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(`^(?:${I4}\\.){3}${I4}$`, "i");
const IPV6 = new RegExp(
  `^(?:(?:${I6}:){7}${I6}|(?:${I6}:){1,6}:|(?:${I6}:)(?::${I6}){1,6}|(?:${I6}:){2}(?::${I6}){1,5}|` +
    `(?:${I6}:){3}(?::${I6}){1,4}|(?:${I6}:){4}(?::${I6}){1,3}|(?:${I6}:){5}(?::${I6}){1,2}|` +
    `(?:${I6}:){6}(?::${I6})|:(?::${I6}){1,6}|${I6}?::|(?:0:){6}(?:${I6}\\.){3}${I6}|` +
    `::(?:ffff:)?(?:${I6}\\.){3}${I6}|(?:0:){5}ffff:(?:${I6}\\.){3}${I6})$`,
  "i",
);
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, "iu");

/** `host[:port]` → [host, port]; undefined when it is not a host Ansible recognises. */
function parseAddress(address: string): [string, number | undefined] | undefined {
  let host = address;
  let port: number | undefined;
  // Both forms are tried in turn, as Ansible does: `[h]:1` then the inside of it.
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(host);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  return IPV4.test(host) || IPV6.test(host) || HOSTNAME.test(host) ? [host, port] : undefined;
}

/**
 * One host entry → the host names it stands for and the port it gives them. An entry Ansible
 * cannot read as an address is taken as one literal name, as Ansible does.
 */
export function expandHostPattern(entry: string): { names: string[]; port?: number } {
  const parsed = parseAddress(entry);
  const [pattern, port] = parsed ?? [entry, undefined];
  const names = pattern.includes("[") ? expandRange(pattern) : [pattern];
  return port === undefined ? { names } : { names, port };
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** `db[01:03]-x[a:b]` → db01-xa, db01-xb, db02-xa, …; the first range varies slowest. */
function expandRange(line: string): string[] {
  const open = line.indexOf("[");
  const close = line.indexOf("]", open);
  if (close < 0) throw new InventoryDataError(`host range "${line}" has no closing "]"`);
  const head = line.slice(0, open);
  const tail = line.slice(close + 1);
  const bounds = line.slice(open + 1, close).split(":");
  if (bounds.length !== 2 && bounds.length !== 3)
    throw new InventoryDataError(`host range "${line}": must be begin:end or begin:end:step`);
  const beg = bounds[0] || "0";
  const end = bounds[1]!;
  const step = bounds.length === 3 ? toInt(bounds[2]!, line) : 1;
  if (!end) throw new InventoryDataError(`host range "${line}": must specify an end value`);
  if (step <= 0) throw new InventoryDataError(`host range "${line}": the step must be positive`);
  let fill = (x: string | number) => String(x);
  if (beg[0] === "0" && beg.length > 1) {
    if (beg.length !== end.length)
      throw new InventoryDataError(`host range "${line}": begin and end must have the same width`);
    fill = (x) => String(x).padStart(beg.length, "0");
  }
  const seq: (string | number)[] = [];
  const ib = beg.length === 1 ? LETTERS.indexOf(beg) : -1;
  const ie = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (ib >= 0 && ie >= 0) {
    if (ib > ie) throw new InventoryDataError(`host range "${line}": begin must be <= end`);
    for (let i = ib; i <= ie; i += step) seq.push(LETTERS[i]!);
  } else {
    for (let i = toInt(beg, line); i <= toInt(end, line); i += step) seq.push(i);
  }
  return seq.flatMap((x) => {
    const name = `${head}${fill(x)}${tail}`;
    return name.includes("[") ? expandRange(name) : [name];
  });
}

function toInt(text: string, line: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text))
    throw new InventoryDataError(`host range "${line}": "${text}" is not a number`);
  return Number.parseInt(text, 10);
}
