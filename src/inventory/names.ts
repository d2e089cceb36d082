// Names from outside (cloud group and ASG names, tag keys and values, static host names) are data:
// any string, including ones that mean something to an inventory or to JavaScript. Two rules,
// documented in docs/security.md:
//  - `_meta`, `all` and `ungrouped` are the script inventory's own keys. A host or group from a
//    source never takes one of them: it is renamed by appending "_" (more if that name is taken
//    too), with a -v note. Left alone, `_meta` replaced every hostvar, `ungrouped` lost its hosts
//    and `all` made Ansible report a recursive loop and drop the whole inventory.
//  - A map keyed by such names is a Map or a null-prototype object, and a value object keyed by
//    them (tags) gets its keys as own properties, so `__proto__`, `constructor` and `toString`
//    are ordinary names: never the prototype, never Object's own functions.

export const RESERVED_NAMES: ReadonlySet<string> = new Set(["_meta", "all", "ungrouped"]);

export function isReserved(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** `name` itself, or for a reserved name, name + "_" (+ "_" …) until `taken` says it is free. */
export function unreserved(name: string, taken: (candidate: string) => boolean): string {
  if (!isReserved(name)) return name;
  let out = `${name}_`;
  while (taken(out) || isReserved(out)) out += "_";
  return out;
}

/** An empty object without a prototype, for maps keyed by names from outside. */
export function nameMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `obj[key]` only when it is the object's own property (never `constructor` from Object). */
export function ownValue<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * `obj[key] = value` as an own data property: a plain assignment to "__proto__" would replace
 * the object's prototype instead of adding a key.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain object (templates need Object's prototype) whose keys are all own properties. */
export function ownObject<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries(entries) as Record<string, T>;
}
