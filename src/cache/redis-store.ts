// The shared cache store: keyv's Redis adapter (@keyv/redis) over a node-redis client we build
// ourselves, because a CLI needs bounds the adapter's defaults do not give: connect within
// `connectTimeoutMs` or give up (no reconnect loop, no offline queue that would wait forever),
// every command within `commandTimeoutMs`, and nothing left that keeps the process alive. The
// single-flight lock is plain Redis: SET key token NX PX ms, renewed and released by
// compare-and-set scripts so a lock that expired and was taken by another process is never
// extended or removed by us.
import KeyvRedis, { createClient, type RedisClientType } from "@keyv/redis";

export interface RedisStoreOptions {
  /** redis://[user@]host:port/db or rediss://… (no password: that comes separately). */
  url: string;
  password?: string;
  /** Every key starts with `<keyPrefix>:`. */
  keyPrefix: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface RedisBackend {
  adapter: KeyvRedis<unknown>;
  /** host:port, for notes (never the password). */
  location: string;
  keyPrefix: string;
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  isLocked(key: string): Promise<boolean>;
  renewLock(key: string, owner: string, ttlMs: number): Promise<void>;
  releaseLock(key: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export function redisLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}`;
  } catch {
    return "the configured Redis";
  }
}

/** Connect or throw (the caller turns that into a -v note and a fetch from the API). */
export async function connectRedis(options: RedisStoreOptions): Promise<RedisBackend> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  // An ACL user named in the URL goes beside the password: node-redis would otherwise take the
  // URL's credentials (user, no password) over the password option.
  const url = new URL(options.url);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  url.username = "";
  url.password = "";
  const client = createClient({
    url: url.toString(),
    username,
    password: options.password,
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: false },
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2000 },
  }) as RedisClientType;
  // Failures surface through the awaited calls; an unhandled 'error' event would crash us.
  client.on("error", () => {});
  try {
    await withDeadline(client.connect(), connectTimeoutMs);
  } catch (error) {
    destroy(client);
    throw error;
  }
  const adapter = new KeyvRedis<unknown>(client, {
    namespace: options.keyPrefix,
    keyPrefixSeparator: ":",
    throwOnConnectError: true,
    throwOnErrors: true,
  });
  const lockKey = (key: string) => `${options.keyPrefix}:lock:${key}`;
  return {
    adapter,
    location: redisLocation(options.url),
    keyPrefix: options.keyPrefix,
    async tryLock(key, owner, ttlMs) {
      const ok = await client.set(lockKey(key), owner, {
        condition: "NX",
        expiration: { type: "PX", value: Math.max(1, Math.ceil(ttlMs)) },
      });
      return ok === "OK";
    },
    async isLocked(key) {
      return (await client.exists(lockKey(key))) === 1;
    },
    async renewLock(key, owner, ttlMs) {
      await client.eval(RENEW_SCRIPT, {
        keys: [lockKey(key)],
        arguments: [owner, String(Math.max(1, Math.ceil(ttlMs)))],
      });
    },
    async releaseLock(key, owner) {
      await client.eval(RELEASE_SCRIPT, { keys: [lockKey(key)], arguments: [owner] });
    },
    async close() {
      destroy(client);
    },
  };
}

/** Drop the connection now (our replies are all in); a client that is already closed is fine. */
function destroy(client: RedisClientType): void {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // closed meanwhile
  }
}

/** `promise`, or a rejection after `ms`; the timer never keeps the process alive. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
