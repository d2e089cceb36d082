// Which environment variables did building the inventory depend on? The sources get a view of
// the environment that records every name they look up, so the built output can be keyed by
// exactly those values (lean-output.ts) without a hand-kept list that would drift from the code.
// Secret values (tokens, keys, passwords) are recorded by presence only: they never reach a key.
// A source that enumerates the environment makes the record unusable (we cannot know which
// values mattered), and the built output is then simply not cached.

const SECRET_NAME = /TOKEN|SECRET|PASSW|SESSION|PRIVATE/i;

export interface EnvReads {
  /** The environment to hand to the sources. */
  env: Record<string, string | undefined>;
  /** Names read so far, in first-read order, each with whether it is secret. */
  names(): [name: string, secret: boolean][];
  /** True when something enumerated the environment. */
  enumerated(): boolean;
}

export function recordEnvReads(env: Record<string, string | undefined>): EnvReads {
  const seen = new Map<string, boolean>();
  let enumerated = false;
  const note = (name: string | symbol) => {
    if (typeof name === "string" && !seen.has(name)) seen.set(name, SECRET_NAME.test(name));
  };
  const view = new Proxy(env, {
    get(target, name, receiver) {
      note(name);
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      note(name);
      return Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      note(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) {
      enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  return { env: view, names: () => [...seen], enumerated: () => enumerated };
}
