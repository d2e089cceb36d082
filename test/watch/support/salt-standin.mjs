// A recording stand-in for Salt's `salt` and `salt-key` commands (Salt cannot be installed on the
// build machines). It checks its arguments against the options Salt documents for these two
// commands (doc/ref/cli/salt.rst and salt-key.rst in the Salt repository; summarised in
// docs/watch.md), appends one JSON line per call to $SALT_STANDIN_LOG, and answers roughly as
// Salt does. A usage mistake exits 2 with `<prog>: error: …`, as Salt's optparse-based CLI does.
//
//   node salt-standin.mjs salt-key -a kafka-asg-prod-i-0abc -y
//   node salt-standin.mjs salt -t 300 kafka-asg-prod-i-0abc state.apply
//
// Knobs (environment): SALT_STANDIN_SLEEP_MS (a `salt` call takes this long),
// SALT_STANDIN_EXIT (`salt` exits with this code), SALT_STANDIN_FAIL_MINION (calls naming this
// minion fail with exit 1).
import { appendFileSync } from "node:fs";

const [prog, ...args] = process.argv.slice(2);

function usage(message) {
  process.stderr.write(`Usage: ${prog} [options]\n\n${prog}: error: ${message}\n`);
  process.exit(2);
}

/** Options as Salt documents them: name → takes a value? */
const SALT_KEY_OPTIONS = {
  "-a": true,
  "--accept": true,
  "-A": false,
  "--accept-all": false,
  "-d": true,
  "--delete": true,
  "-D": false,
  "--delete-all": false,
  "-r": true,
  "--reject": true,
  "-R": false,
  "--reject-all": false,
  "-l": true,
  "--list": true,
  "-L": false,
  "--list-all": false,
  "-p": true,
  "--print": true,
  "-P": false,
  "--print-all": false,
  "-f": true,
  "--finger": true,
  "-F": false,
  "--finger-all": false,
  "-y": false,
  "--yes": false,
  "-q": false,
  "--quiet": false,
  "--include-all": false,
  "-c": true,
  "--config-dir": true,
};
const SALT_OPTIONS = {
  "-t": true,
  "--timeout": true,
  "-s": false,
  "--static": false,
  "--async": false,
  "--state-output": true,
  "--subset": true,
  "-v": false,
  "--verbose": false,
  "-b": true,
  "--batch-size": true,
  "--return": true,
  "-d": false,
  "--doc": false,
  "--args-separator": true,
  "-c": true,
  "--config-dir": true,
  "-l": true,
  "--log-level": true,
  "--out": true,
  "-E": false,
  "--pcre": false,
  "-L": false,
  "--list": false,
  "-G": false,
  "--grain": false,
  "-C": false,
  "--compound": false,
  "-N": false,
  "--nodegroup": false,
};
const LIST_ARGS = new Set(["pre", "un", "unaccepted", "acc", "accepted", "rej", "rejected", "all"]);
const ACTIONS = new Set([
  "-a",
  "--accept",
  "-A",
  "--accept-all",
  "-d",
  "--delete",
  "-D",
  "--delete-all",
  "-r",
  "--reject",
  "-R",
  "--reject-all",
  "-l",
  "--list",
  "-L",
  "--list-all",
  "-p",
  "--print",
  "-P",
  "--print-all",
  "-f",
  "--finger",
  "-F",
  "--finger-all",
]);
/** Functions the lifecycle plays call, with how many positional arguments they need at least. */
const FUNCTIONS = {
  "state.apply": 0,
  "state.highstate": 0,
  "state.sls": 1,
  "test.ping": 0,
  "saltutil.sync_all": 0,
};

/** Split `--opt=value`, then walk options until the first positional argument. */
function parse(table, argv, { stopAtPositional }) {
  const opts = [];
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a.startsWith("-") && a.length > 1 && (positional.length === 0 || !stopAtPositional)) {
      let value;
      if (a.startsWith("--") && a.includes("="))
        [a, value] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
      if (!(a in table)) usage(`no such option: ${a}`);
      if (table[a]) {
        value ??= argv[++i];
        if (value === undefined) usage(`${a} option requires 1 argument`);
      } else if (value !== undefined) usage(`${a} option does not take a value`);
      opts.push([a, value]);
    } else positional.push(a);
  }
  return { opts, positional };
}

/** Our plays pass exact minion ids: a glob or an option-looking id is a bug worth failing on. */
function checkMinion(id, what) {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id))
    usage(`${what}: ${JSON.stringify(id)} is not an exact minion id`);
}

function record(entry) {
  if (process.env.SALT_STANDIN_LOG)
    appendFileSync(process.env.SALT_STANDIN_LOG, `${JSON.stringify(entry)}\n`);
}

function failFor(minion) {
  return process.env.SALT_STANDIN_FAIL_MINION && process.env.SALT_STANDIN_FAIL_MINION === minion;
}

if (prog === "salt-key") {
  const { opts, positional } = parse(SALT_KEY_OPTIONS, args, { stopAtPositional: false });
  if (positional.length > 0) usage(`unexpected argument ${positional[0]}`);
  const actions = opts.filter(([o]) => ACTIONS.has(o));
  if (actions.length !== 1) usage("give exactly one action (-a, -d, -l, …)");
  const [action, value] = actions[0];
  const yes = opts.some(([o]) => o === "-y" || o === "--yes");
  if ((action === "-l" || action === "--list") && !LIST_ARGS.has(value))
    usage(`invalid --list argument ${value}`);
  if (["-a", "--accept", "-d", "--delete"].includes(action)) {
    checkMinion(value, action);
    // Without -y salt-key asks on the terminal; a watcher has none.
    if (!yes) usage(`${action} needs -y (no terminal to answer the question)`);
  }
  record({ prog, argv: args, action, minion: value ?? null, at: Date.now() });
  if (failFor(value)) {
    process.stdout.write(`The key glob '${value}' does not match any unaccepted keys.\n`);
    process.exit(1);
  }
  const verb = action === "-a" || action === "--accept" ? "accepted" : "deleted";
  process.stdout.write(`Key for minion ${value} ${verb}.\n`);
} else if (prog === "salt") {
  const { opts, positional } = parse(SALT_OPTIONS, args, { stopAtPositional: true });
  const [target, fn, ...fnArgs] = positional;
  if (!target || !fn) usage("give a target and a function: salt [options] '<target>' <function> [arguments]");
  checkMinion(target, "target");
  if (!(fn in FUNCTIONS)) usage(`function ${fn} is not one the lifecycle plays use`);
  if (fnArgs.length < FUNCTIONS[fn]) usage(`${fn} needs an argument`);
  const timeout = opts.find(([o]) => o === "-t" || o === "--timeout")?.[1];
  if (timeout !== undefined && !/^\d+$/.test(timeout))
    usage(`option -t: invalid integer value: '${timeout}'`);
  record({ prog, argv: args, function: fn, minion: target, args: fnArgs, at: Date.now() });
  const sleepMs = Number(process.env.SALT_STANDIN_SLEEP_MS ?? 0);
  if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
  record({ prog, argv: args, function: fn, minion: target, done: true, at: Date.now() });
  process.stdout.write(`${target}:\n  Summary for ${target}\n  Succeeded: 1\n  Failed:    0\n`);
  if (failFor(target)) process.exit(1);
  process.exit(Number(process.env.SALT_STANDIN_EXIT ?? 0));
} else {
  usage(`unknown program ${prog}`);
}
