// Filters over lists and dicts: length, first/last, unique, sort, min/max/sum, map, select and
// reject (with attributes), dict2items/items2dict, combine, join, flatten and set operations.
// Jinja's map/select return generators; here they return lists (what `| list` would give).
import { type Args, arg, type CallEnv, expectDict, type Filter, getAttribute, items } from "./calls.js";
import { arithmetic } from "./operators.js";
import {
  checkDefined,
  compare,
  ExprError,
  equal,
  isDict,
  length,
  num,
  str,
  truthy,
  Undefined,
} from "./python.js";

/** Sort/unique key: strings compare case-insensitively unless case_sensitive. */
function keyOf(item: unknown, attribute: unknown, caseSensitive: boolean): unknown {
  const v = attribute === null || attribute === undefined ? item : getAttribute(item, attribute);
  return !caseSensitive && typeof v === "string" ? v.toLowerCase() : v;
}

function sortFilter(v: unknown, a: Args): unknown[] {
  const reverse = Boolean(arg(a, 0, "reverse", false));
  const cs = Boolean(arg(a, 1, "case_sensitive", false));
  const attribute = arg(a, 2, "attribute", null);
  const keyed = items(v).map((item) => ({ item, key: keyOf(item, attribute, cs) }));
  keyed.sort((x, y) => compare(x.key, y.key) * (reverse ? -1 : 1));
  return keyed.map((k) => k.item);
}

function uniqueFilter(v: unknown, a: Args): unknown[] {
  const cs = Boolean(arg(a, 0, "case_sensitive", false));
  const attribute = arg(a, 1, "attribute", null);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of items(v)) {
    const key = keyOf(item, attribute, cs);
    if (seen.some((s) => equal(s, key))) continue;
    seen.push(key);
    out.push(item);
  }
  return out;
}

function extreme(sign: 1 | -1): Filter {
  return (v, a) => {
    const cs = Boolean(arg(a, 0, "case_sensitive", false));
    const attribute = arg(a, 1, "attribute", null);
    const list = items(v);
    if (list.length === 0)
      return new Undefined("", undefined, undefined, "No aggregated item, sequence was empty.");
    let best = list[0];
    for (const item of list.slice(1)) {
      if (compare(keyOf(item, attribute, cs), keyOf(best, attribute, cs)) * sign > 0) best = item;
    }
    return best;
  };
}

function sumFilter(v: unknown, a: Args, env: CallEnv): unknown {
  const attribute = arg(a, 0, "attribute", null);
  let total = arg(a, 1, "start", 0);
  for (const item of items(v)) {
    total = arithmetic("+", total, attribute === null ? item : getAttribute(item, attribute), env.budget);
  }
  return total;
}

/** map('filter', args…) or map(attribute='x', default=…). */
function mapFilter(v: unknown, a: Args, env: CallEnv): unknown[] {
  if (a.pos.length === 0 && Object.hasOwn(a.kw, "attribute")) {
    const hasDefault = Object.hasOwn(a.kw, "default");
    return items(v).map((item) => {
      const got = getAttribute(item, a.kw.attribute);
      return got instanceof Undefined && hasDefault ? a.kw.default : got;
    });
  }
  const [name, ...rest] = a.pos;
  if (typeof name !== "string") throw new ExprError("map: expected a filter name or attribute=");
  return items(v).map((item) => env.filter(name, item, { pos: rest, kw: a.kw }));
}

function selector(keep: boolean, byAttribute: boolean): Filter {
  return (v, a, env) => {
    const [first, ...rest] = a.pos;
    const attribute = byAttribute ? first : undefined;
    const [testName, ...testArgs] = byAttribute ? rest : a.pos;
    if (byAttribute && attribute === undefined) throw new ExprError("selectattr: missing attribute");
    return items(v).filter((item) => {
      const target = byAttribute ? getAttribute(item, attribute) : item;
      const ok =
        testName === undefined
          ? truthy(target)
          : env.test(String(testName), target, { pos: testArgs, kw: {} });
      return ok === keep;
    });
  };
}

function combine(v: unknown, a: Args): unknown {
  const recursive = Boolean(a.kw.recursive);
  const listMerge = String(a.kw.list_merge ?? "replace");
  const dicts = [v, ...a.pos].flatMap((d) => (Array.isArray(d) ? d : [d]));
  for (const d of dicts) {
    checkDefined(d);
    if (!isDict(d)) throw new ExprError(`combine expects dictionaries, got ${str(d)}`);
  }
  const merge = (x: Record<string, unknown>, y: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...x };
    for (const [k, val] of Object.entries(y)) {
      const cur = out[k];
      if (recursive && isDict(cur) && isDict(val)) out[k] = merge(cur, val);
      else if (Array.isArray(cur) && Array.isArray(val) && listMerge !== "replace") {
        if (listMerge === "append") out[k] = [...cur, ...val];
        else if (listMerge === "prepend") out[k] = [...val, ...cur];
        else if (listMerge === "append_rp")
          out[k] = [...cur.filter((i) => !val.some((j) => equal(i, j))), ...val];
        else if (listMerge === "prepend_rp")
          out[k] = [...val, ...cur.filter((i) => !val.some((j) => equal(i, j)))];
        else throw new ExprError(`combine: unknown list_merge "${listMerge}"`);
      } else out[k] = val;
    }
    return out;
  };
  return (dicts as Record<string, unknown>[]).reduce((acc, d) => merge(acc, d), {});
}

function flatten(list: unknown[], levels: number | null, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const el of list) {
    if (skipNulls && (el === null || el === "None" || el === "null")) continue;
    if (Array.isArray(el) && (levels === null || levels >= 1))
      out.push(...flatten(el, levels === null ? null : levels - 1, skipNulls));
    else out.push(el);
  }
  return out;
}

const setOf = (list: unknown[]) => uniqueFilter(list, { pos: [true], kw: {} });

export const DATA_FILTERS: Record<string, Filter> = {
  length: (v) => length(v),
  count: (v) => length(v),
  first: (v) => {
    const list = items(v);
    return list.length > 0
      ? list[0]
      : new Undefined("", undefined, undefined, "No first item, sequence was empty.");
  },
  last: (v) => {
    const list = items(v);
    return list.length > 0
      ? list.at(-1)
      : new Undefined("", undefined, undefined, "No last item, sequence was empty.");
  },
  list: (v) => [...items(v)],
  unique: uniqueFilter,
  sort: sortFilter,
  reverse: (v) => (typeof v === "string" ? [...v].reverse().join("") : [...items(v)].reverse()),
  min: extreme(-1),
  max: extreme(1),
  sum: sumFilter,
  map: mapFilter,
  select: selector(true, false),
  reject: selector(false, false),
  selectattr: selector(true, true),
  rejectattr: selector(false, true),
  join: (v, a) => {
    const sep = str(arg(a, 0, "d", ""));
    const attribute = arg(a, 1, "attribute", null);
    return items(v)
      .map((x) => str(attribute === null ? x : getAttribute(x, attribute)))
      .join(sep);
  },
  dict2items: (v, a) => {
    const d = expectDict(v, "dict2items");
    const k = String(arg(a, 0, "key_name", "key"));
    const val = String(arg(a, 1, "value_name", "value"));
    return Object.entries(d).map(([key, value]) => ({ [k]: key, [val]: value }));
  },
  items2dict: (v, a) => {
    if (!Array.isArray(v)) throw new ExprError("items2dict requires a list");
    const k = String(arg(a, 0, "key_name", "key"));
    const val = String(arg(a, 1, "value_name", "value"));
    const out: Record<string, unknown> = {};
    for (const item of v) {
      if (!isDict(item) || !Object.hasOwn(item, k) || !Object.hasOwn(item, val))
        throw new ExprError(`items2dict requires each item to have "${k}" and "${val}"`);
      out[str(item[k])] = item[val];
    }
    return out;
  },
  items: (v) => Object.entries(expectDict(v, "items")).map(([k, x]) => [k, x]),
  combine,
  flatten: (v, a) => {
    const levels = arg(a, 0, "levels", null);
    return flatten(items(v), levels === null ? null : Number(levels), Boolean(arg(a, 1, "skip_nulls", true)));
  },
  union: (v, a) => setOf([...items(v), ...items(a.pos[0])]),
  intersect: (v, a) => setOf(items(v).filter((x) => items(a.pos[0]).some((y) => equal(x, y)))),
  difference: (v, a) => setOf(items(v).filter((x) => !items(a.pos[0]).some((y) => equal(x, y)))),
  symmetric_difference: (v, a) => {
    const x = items(v);
    const y = items(a.pos[0]);
    return setOf([
      ...x.filter((i) => !y.some((j) => equal(i, j))),
      ...y.filter((j) => !x.some((i) => equal(i, j))),
    ]);
  },
  zip: (v, a) => {
    const lists = [items(v), ...a.pos.map(items)];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
  dictsort: (v) =>
    Object.entries(expectDict(v, "dictsort")).sort(([x], [y]) => compare(x.toLowerCase(), y.toLowerCase())),
  batch: (v, a) => {
    const size = Math.max(1, num(a.pos[0] ?? 1));
    const list = items(v);
    const out: unknown[][] = [];
    for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  },
  product: (v, a) => {
    let acc: unknown[][] = items(v).map((x) => [x]);
    for (const other of a.pos) acc = acc.flatMap((p) => items(other).map((y) => [...p, y]));
    return acc;
  },
};
