// The expression conformance table: every construct, test, filter, lookup and magic variable of
// issue 11, plus error cases. Each row is evaluated by rollcall and by ansible-playbook
// (jinja-conformance.test.ts). `e` rows are expressions (value and Python type compared), `t`
// rows whole templates, `c` rows bare conditions (`when:`), `err` rows must fail in both.

export interface Row {
  e?: string;
  t?: string;
  c?: string;
  err?: boolean;
  /** Kept different on purpose; the reason is printed in the report. */
  differs?: string;
}

export const VARS = {
  s: "Hello World",
  n: 42,
  f: 2.5,
  t: true,
  fl: false,
  nul: null,
  zero: 0,
  es: "",
  l: [3, 1, 2],
  ls: ["b", "A", "c", "a"],
  ll: [[1, 2], [3]],
  d: { a: 1, b: "two", c: [1, 2] },
  users: [
    { name: "ann", age: 31, admin: true },
    { name: "bob", age: 25, admin: false },
    { name: "cy", age: 40, admin: true },
  ],
  kv: [
    { key: "x", value: 1 },
    { key: "y", value: 2 },
  ],
  r_ok: { changed: false, failed: false, rc: 0 },
  r_changed: { changed: true, rc: 0 },
  r_fail: { failed: true, rc: 2, msg: "boom" },
  r_skip: { skipped: true, changed: false },
  r_loop: { results: [{ changed: false }, { changed: true }] },
  path: "/etc/kafka/server.properties",
  dirpath: "/var/lib/",
  csv: "a,b,,c",
  spaced: "  padded  ",
  numstr: "9092",
  floatstr: "3.75",
  yes_s: "yes",
  no_s: "no",
  truestr: "True",
  json_s: '{"a": [1, 2], "b": null}',
  b64: "aGVsbG8gd29ybGQ=",
  key: "b",
  quoted: "it's",
  unicode: "héllo",
  version: "2.14.3",
};

export const ENV = { ROLLCALL_CONF_X: "x-value", ROLLCALL_CONF_Y: "y-value" };
export const FILES = { "hello.txt": "hello from a file\n\n" };

const HB_TEXT = "text without Jinja-only syntax is Handlebars, which prints lists/dicts as JSON";
const HB_PATH =
  "a plain path or number literal fits both languages and is read natively (a number stays a number); Ansible makes it text";
const NO_LOOP_FILTER = "not supported: nunjucks' parser has no `{% for … if … %}`; write `| selectattr(…)`";

export const ROWS: Row[] = [
  // variables and access
  ...["s", "n", "f", "t", "nul", "l", "d"].map((e) => ({ e })),
  { e: "d.a", differs: HB_PATH },
  { e: "d.b" },
  { e: "d['b']" },
  { e: "d[key]" },
  { e: "l[0]" },
  { e: "l[-1]" },
  { e: "ll[0][1]" },
  { e: "users[1].name" },
  { e: "d.c[1]" },
  { e: "users[0]['age']" },
  // literals
  ...["'str'", '"dq"', "[1, 'a', none]", "{'k': 'v', 'n': 1}", "true", "True"].map((e) => ({ e })),
  ...["false", "False", "none", "None", "[]", "{}", "(1.5)", "(-3)"].map((e) => ({ e })),
  ...["123", "1.5", "-3", "0.1"].map((e) => ({ e, differs: HB_PATH })),
  // arithmetic
  ...["1 + 2", "n - 2", "3 * 4", "7 / 2", "8 / 2", "7 // 2", "-7 // 2", "7 % 3", "-7 % 3"].map((e) => ({
    e,
  })),
  ...["2 ** 10", "2 ** -1", "f * 2", "n + f", "'ab' * 3", "[1] + [2, 3]", "'a' + 'b'", "(1 + 2) * 3"].map(
    (e) => ({
      e,
    }),
  ),
  ...["-n", "10 / 4 * 2", "n // 5 * 5"].map((e) => ({ e })),
  // comparisons, in, logic, inline if, concatenation
  ...[
    "n == 42",
    "n != 42",
    "n > 40",
    "n <= 42",
    "f < 3",
    "'a' < 'b'",
    "1 == 1.0",
    "t == 1",
    "numstr == 9092",
  ].map((e) => ({ e })),
  ...["[1, 2] == [1, 2]", "1 < 2 < 3", "d == {'a': 1, 'b': 'two', 'c': [1, 2]}"].map((e) => ({ e })),
  ...["'a' in ls", "'z' not in ls", "'Wor' in s", "'a' in d", "2 in l"].map((e) => ({ e })),
  ...[
    "t and fl",
    "t or fl",
    "not t",
    "n and s",
    "es or 'fallback'",
    "zero or nul",
    "not es",
    "t and not fl",
  ].map((e) => ({ e })),
  ...["'big' if n > 10 else 'small'", "'yes' if es else 'no'", "(1 if t else 2) + 1"].map((e) => ({ e })),
  ...["'a' ~ n", "s ~ '!' ~ t", "'x' ~ nul", "n ~ f"].map((e) => ({ e })),
  // tests
  ...["s is defined", "missing is defined", "missing is undefined", "nul is none", "s is none"].map((e) => ({
    e,
  })),
  ...["s is match('Hel')", "s is match('World')", "s is search('World')", "s is regex('^H.*d$')"].map(
    (e) => ({ e }),
  ),
  ...[
    "r_ok is succeeded",
    "r_fail is success",
    "r_fail is failed",
    "r_changed is changed",
    "r_ok is changed",
  ].map((e) => ({ e })),
  ...["r_loop is changed", "r_skip is skipped", "r_ok is skipped", "es is truthy", "s is truthy"].map(
    (e) => ({ e }),
  ),
  ...["missing.x is defined", "d.a is not defined", "s is not match('x')", "n is number", "s is string"].map(
    (e) => ({ e }),
  ),
  ...["d is mapping", "n is divisibleby(7)", "n is even", "version is version('2.13', '>')"].map((e) => ({
    e,
  })),
  // filters
  ...["missing | default('dflt')", "missing | d(5)", "es | default('e', true)", "es | default('e')"].map(
    (e) => ({
      e,
    }),
  ),
  ...[
    "nul | default('x')",
    "s | default('x', boolean=true)",
    "numstr | int",
    "floatstr | int",
    "'abc' | int",
  ].map((e) => ({ e })),
  ...[
    "f | int",
    "numstr | float",
    "n | float",
    "'x' | float",
    "yes_s | bool",
    "no_s | bool",
    "truestr | bool",
  ].map((e) => ({ e })),
  ...["1 | bool", "n | string", "l | string", "s | lower", "s | upper", "spaced | trim"].map((e) => ({ e })),
  ...[
    "s | replace('World', 'There')",
    "s | replace('o', '0', 1)",
    "path | regex_replace('^/etc', '/opt')",
  ].map((e) => ({ e })),
  ...[
    "s | regex_replace('(\\w+) (\\w+)', '\\2 \\1')",
    "s | regex_search('W\\w+')",
    "s | regex_search('zzz')",
  ].map((e) => ({ e })),
  ...["s | regex_search('(H)(e)', '\\2')", "ls | join(',')", "l | join", "csv | split(',')", "s | split"].map(
    (e) => ({
      e,
    }),
  ),
  ...[
    "s | length",
    "l | length",
    "d | length",
    "l | first",
    "l | last",
    "s | first",
    "d | list",
    "s | list",
  ].map((e) => ({ e })),
  ...["[1, 2, 1, 3] | unique", "ls | unique", "l | sort", "ls | sort", "l | sort(reverse=true)"].map((e) => ({
    e,
  })),
  ...["users | sort(attribute='age') | map(attribute='name') | list", "l | min", "l | max", "ls | max"].map(
    (e) => ({
      e,
    }),
  ),
  ...["l | sum", "users | sum(attribute='age')", "users | map(attribute='name') | list"].map((e) => ({ e })),
  ...["ls | map('upper') | list", "l | select('odd') | list", "l | reject('odd') | list"].map((e) => ({ e })),
  { e: "users | selectattr('admin') | map(attribute='name') | list" },
  { e: "users | rejectattr('admin') | map(attribute='name') | list" },
  { e: "users | selectattr('age', 'gt', 30) | map(attribute='name') | list" },
  { e: "users | selectattr('name', 'equalto', 'bob') | first" },
  ...["d | dict2items", "kv | items2dict", "d | combine({'b': 3, 'z': 0})"].map((e) => ({ e })),
  { e: "{'a': {'x': 1}} | combine({'a': {'y': 2}}, recursive=true)" },
  ...["d | to_json", "d | to_nice_json", "l | to_json", "json_s | from_json", "unicode | to_json"].map(
    (e) => ({ e }),
  ),
  ...["d | to_yaml", "l | to_yaml", "s | to_yaml", "users[0] | to_yaml"].map((e) => ({ e })),
  ...[
    "'hello world' | b64encode",
    "b64 | b64decode",
    "path | basename",
    "path | dirname",
    "dirpath | basename",
  ].map((e) => ({ e })),
  ...[
    "s | quote",
    "'safe' | quote",
    "quoted | quote",
    "t | ternary('on', 'off')",
    "fl | ternary('on', 'off')",
  ].map((e) => ({ e })),
  ...["nul | ternary('a', 'b', 'n')", "s | mandatory", "ls | map('lower') | unique | list"].map((e) => ({
    e,
  })),
  ...["l | map('string') | join('-')", "unicode | upper", "users | map(attribute='age') | max"].map((e) => ({
    e,
  })),
  // lookups
  ...[
    "lookup('env', 'ROLLCALL_CONF_X')",
    "lookup('env', 'ROLLCALL_CONF_UNSET')",
    "lookup('file', 'hello.txt')",
  ].map((e) => ({ e })),
  ...["query('env', 'ROLLCALL_CONF_X')", "q('env', 'ROLLCALL_CONF_X', 'ROLLCALL_CONF_Y')"].map((e) => ({
    e,
  })),
  { e: "lookup('env', 'ROLLCALL_CONF_X', 'ROLLCALL_CONF_Y')" },
  // magic variables
  ...["inventory_hostname", "hostvars[inventory_hostname].n", "hostvars[inventory_hostname]['s']"].map(
    (e) => ({ e }),
  ),
  ...["groups['all']", "group_names", "ansible_play_hosts", "ansible_check_mode", "groups.ungrouped"].map(
    (e) => ({
      e,
    }),
  ),
  // Python methods
  ...["s.split(' ')", "s.upper()", "csv.split(',')[1]", "s.startswith('Hel')", "d.keys() | list"].map(
    (e) => ({ e }),
  ),
  ...[
    "d.get('zz', 'dflt')",
    "spaced.strip()",
    "range(3) | list",
    "'%s!' % s",
    "'%d items' % (l | length)",
  ].map((e) => ({ e })),
  // whole templates
  ...[
    "{{ s }} has {{ s | length }} chars",
    "{% if n > 40 %}big{% else %}small{% endif %}",
    "{% for x in l %}{{ x }},{% endfor %}",
    "{% set x = n + 1 %}{{ x }}",
    "  {{ [1, 2] }}",
    "{{ t | string }}",
    "{{ s | upper }} and {{ nul }} and {{ t }}",
    "{{ l }}",
    "{{ d }}",
  ].map((t) => ({ t })),
  { t: "n={{ n }} l={{ l }}", differs: HB_TEXT },
  { t: "{% for u in users if u.admin %}{{ u.name }} {% endfor %}", differs: NO_LOOP_FILTER },
  { t: "{{ t }} and {{ nul }}", differs: HB_TEXT },
  // bare conditions
  ...[
    "n > 40",
    "s == 'Hello World'",
    "missing is defined",
    "missing is not defined and n",
    "r_fail is failed",
  ].map((c) => ({ c })),
  ...["t", "fl", "yes_s | bool", "es", "'a' in ls", "not r_ok.failed", "l | length > 2", "nul is none"].map(
    (c) => ({
      c,
    }),
  ),
  ...["n is version('40', '>')", "d.a == 1 and d.b == 'two'", "users | selectattr('admin') | list"].map(
    (c) => ({ c }),
  ),
  // errors: both must fail
  ...[
    "missing",
    "missing.x",
    "d.zz",
    "missing | upper",
    "'a' + 1",
    "1 / 0",
    "missing | mandatory",
    "'a' < 1",
  ].map((e) => ({ e, err: true })),
  ...[
    "s is failed",
    "d.zz.yy",
    "l[10]",
    "nul.x",
    "lookup('file', 'nope.txt')",
    "users[5].name",
    "[] | first + 1",
  ].map((e) => ({ e, err: true })),
  ...["missing > 1", "nul > 1"].map((c) => ({ c, err: true })),
];
