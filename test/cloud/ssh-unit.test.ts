// The pure parts of the SSH transport: quoting (checked by a real local /bin/sh), known_hosts,
// target resolution, error classification.
import { spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scrub } from "../../src/cloud/ssh/errors.js";
import {
  buildRemoteCommand,
  checkHostKey,
  classifySshError,
  fingerprintSha256,
  knownHostsName,
  parseJumpHost,
  parseKnownHosts,
  parseSshSettings,
  proxyJumpFromArgs,
  quoteGlob,
  quoteShellArg,
  resolveSshTarget,
} from "../../src/cloud/ssh/index.js";
import { preferredHostKeyAlgorithms } from "../../src/cloud/ssh/known-hosts.js";
import { UsageError } from "../../src/errors.js";

function sh(line: string, cwd?: string): { status: number | null; stdout: string } {
  const r = spawnSync("/bin/sh", ["-c", line], { encoding: "utf8", cwd });
  return { status: r.status, stdout: r.stdout };
}

describe("quoting", () => {
  const words = [
    "plain",
    "a b",
    "it's",
    'say "hi"',
    "$HOME",
    "`id`",
    "$(id)",
    "a\nb",
    "",
    "*",
    "~",
    "x;y|z&",
    "\\",
    "'",
    "é",
  ];

  it("quotes every word so a POSIX shell gives it back unchanged", () => {
    for (const w of words) {
      expect(sh(`printf '%s' ${quoteShellArg(w)}`).stdout).toBe(w);
    }
    expect(quoteShellArg("plain")).toBe("plain");
    expect(quoteShellArg("it's")).toBe(`'it'\\''s'`);
  });

  it("builds argv, env and cwd into one line that runs in the right place", () => {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-quote-"));
    try {
      const { line, becomeMarker } = buildRemoteCommand({
        argv: ["printf", "%s|", ...words],
        env: { A_B: "v'1 $x" },
        cwd: dir,
      });
      expect(becomeMarker).toBeUndefined();
      expect(sh(line).stdout).toBe(words.map((w) => `${w}|`).join(""));
      const script = buildRemoteCommand({
        script: 'pwd\necho "$A_B" # comment',
        env: { A_B: "v'1 $x" },
        cwd: dir,
      });
      expect(sh(script.line).stdout).toBe(`${dir}\nv'1 $x\n`);
      expect(sh(buildRemoteCommand({ argv: ["true"], cwd: join(dir, "missing") }).line).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("runs a script through the given executable", () => {
    expect(sh(buildRemoteCommand({ script: "echo $0", executable: "/bin/sh" }).line).stdout).toBe(
      "/bin/sh\n",
    );
  });

  it("wraps become in sudo -n with a marker, one more quoting level", () => {
    const { line, becomeMarker } = buildRemoteCommand({
      argv: ["printf", "%s|", "it's", "$x"],
      become: true,
      becomeUser: "app",
    });
    expect(becomeMarker).toMatch(/^ROLLCALL-BECOME-[0-9a-f]{16}$/);
    expect(line.startsWith("sudo -n -H -u app -- /bin/sh -c ")).toBe(true);
    // A stand-in sudo that drops its own options: what follows `--` must run unchanged.
    const fakeSudo = `sudo() { while [ "$1" != -- ]; do shift; done; shift; "$@"; }; `;
    expect(sh(fakeSudo + line).stdout).toBe(`${becomeMarker}\nit's|$x|`);
  });

  it("rejects environment names a shell cannot export", () => {
    expect(() => buildRemoteCommand({ argv: ["true"], env: { "A-B": "x" } })).toThrow(UsageError);
    expect(() => buildRemoteCommand({ argv: [] })).toThrow(UsageError);
  });

  it("keeps globs in patterns and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-glob-"));
    try {
      writeFileSync(join(dir, "a b.txt"), "");
      const list = (p: string) => sh(`for f in ${quoteGlob(p)}; do printf '%s|' "$f"; done`, dir).stdout;
      expect(list("*.txt")).toBe("a b.txt|");
      expect(list("a b.t?t")).toBe("a b.txt|");
      expect(list("$(touch pwned)*")).toBe("$(touch pwned)*|");
      expect(list("x\ny")).toBe("x\ny|");
      expect(sh("ls", dir).stdout).toBe("a b.txt\n");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("known_hosts", () => {
  const ed = blob("ssh-ed25519");
  const ed2 = blob("ssh-ed25519");
  const rsa = blob("ssh-rsa");
  const line = (hosts: string, key: Buffer, marker = "") =>
    `${marker}${hosts} ${key.subarray(4, 4 + key.readUInt32BE(0)).toString()} ${key.toString("base64")} comment`;

  it("matches plain names on port 22 and [host]:port otherwise", () => {
    const entries = parseKnownHosts(
      ["# comment", "", line("127.0.0.5", ed), line("[127.0.0.6]:2222", ed2), "garbage line"].join("\n"),
      "kh",
    );
    expect(entries).toHaveLength(2);
    expect(knownHostsName("127.0.0.6", 2222)).toBe("[127.0.0.6]:2222");
    expect(checkHostKey(entries, "127.0.0.5", 22, ed)).toMatchObject({ status: "match", entry: { line: 3 } });
    expect(checkHostKey(entries, "127.0.0.6", 2222, ed2).status).toBe("match");
    // A plain entry does not cover another port, as in ssh.
    expect(checkHostKey(entries, "127.0.0.5", 2222, ed)).toEqual({ status: "unknown", knownTypes: [] });
    expect(checkHostKey(entries, "127.0.0.5", 22, ed2)).toMatchObject({
      status: "mismatch",
      entry: { file: "kh", line: 3 },
    });
    // Only an RSA key is known: an ed25519 key is unknown, not a mismatch.
    const onlyRsa = parseKnownHosts(line("127.0.0.7", rsa), "kh");
    expect(checkHostKey(onlyRsa, "127.0.0.7", 22, ed)).toEqual({
      status: "unknown",
      knownTypes: ["ssh-rsa"],
    });
    expect(preferredHostKeyAlgorithms(onlyRsa, "127.0.0.7", 22)?.slice(0, 3)).toEqual([
      "rsa-sha2-512",
      "rsa-sha2-256",
      "ssh-rsa",
    ]);
    expect(preferredHostKeyAlgorithms(onlyRsa, "127.0.0.8", 22)).toBeUndefined();
  });

  it("supports lists, wildcards, negation, hashed names, @revoked; ignores @cert-authority", () => {
    const salt = randomBytes(20);
    const hash = createHmac("sha1", salt).update("[127.0.0.9]:2200").digest();
    const entries = parseKnownHosts(
      [
        line("127.0.0.20,[127.0.0.21]:2200", ed),
        line("127.0.0.3*,!127.0.0.33", ed),
        line(`|1|${salt.toString("base64")}|${hash.toString("base64")}`, ed),
        line("127.0.0.40", ed2, "@revoked "),
        line("127.0.0.40", ed2),
        line("*", ed2, "@cert-authority "),
      ].join("\n"),
      "kh",
    );
    expect(checkHostKey(entries, "127.0.0.21", 2200, ed).status).toBe("match");
    expect(checkHostKey(entries, "127.0.0.34", 22, ed).status).toBe("match");
    expect(checkHostKey(entries, "127.0.0.33", 22, ed).status).toBe("unknown");
    expect(checkHostKey(entries, "127.0.0.9", 2200, ed)).toMatchObject({
      status: "match",
      entry: { line: 3 },
    });
    expect(checkHostKey(entries, "127.0.0.9", 2201, ed).status).toBe("unknown");
    expect(checkHostKey(entries, "127.0.0.40", 22, ed2)).toMatchObject({
      status: "revoked",
      entry: { line: 4 },
    });
    expect(checkHostKey(entries, "127.0.0.99", 22, ed2).status).toBe("unknown");
  });

  it("prints fingerprints as ssh-keygen does", () => {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-fp-"));
    try {
      const key = join(dir, "k");
      const gen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
      if (gen.error) return; // no ssh-keygen here: covered by the sshd tests in CI
      const pub = Buffer.from(readFileSync(`${key}.pub`, "utf8").split(" ")[1]!, "base64");
      const printed = spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${key}.pub`], {
        encoding: "utf8",
      }).stdout;
      expect(printed).toContain(fingerprintSha256(pub));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("target resolution", () => {
  const vars = {
    ansible_host: "127.0.0.50",
    ansible_port: "2222",
    ansible_user: "deploy",
    ansible_ssh_private_key_file: "~/.ssh/deploy",
  };

  it("takes hostvars over play settings, and the CLI over both", () => {
    const settings = parseSshSettings({
      user: "play",
      port: 2200,
      private_key: "~/.ssh/play",
      connect_timeout: 3,
    });
    expect(resolveSshTarget({ name: "web1", vars, settings })).toEqual({
      name: "web1",
      host: "127.0.0.50",
      port: 2222,
      user: "deploy",
      privateKeyPath: "~/.ssh/deploy",
      hostKeyChecking: true,
      connectTimeoutMs: 3000,
    });
    const cli = resolveSshTarget({
      name: "web1",
      vars,
      settings,
      overrides: { user: "cli", privateKey: "/k" },
    });
    expect([cli.user, cli.privateKeyPath]).toEqual(["cli", "/k"]);
    const fromPlay = resolveSshTarget({ name: "127.0.0.51", vars: {}, settings });
    expect(fromPlay).toMatchObject({
      host: "127.0.0.51",
      port: 2200,
      user: "play",
      privateKeyPath: "~/.ssh/play",
    });
    expect(resolveSshTarget({ name: "h", vars: {}, defaultUser: "me" })).toMatchObject({
      port: 22,
      user: "me",
      connectTimeoutMs: 10_000,
    });
    expect(() => resolveSshTarget({ name: "h", vars: {} })).toThrow(/no SSH user/);
    expect(() => resolveSshTarget({ name: "h", vars: { ...vars, ansible_port: "http" } })).toThrow(
      /ansible_port/,
    );
  });

  it("reads the bastion from ssh.bastion (object or ProxyJump string) or the host's ProxyJump", () => {
    const object = resolveSshTarget({
      name: "a",
      vars,
      settings: parseSshSettings({
        bastion: { host: "127.0.0.60", port: 2201, user: "jump", private_key: "/j" },
      }),
    });
    expect(object.bastion).toEqual({ host: "127.0.0.60", port: 2201, user: "jump", privateKeyPath: "/j" });
    const string = resolveSshTarget({ name: "a", vars, settings: { bastion: "127.0.0.61" } });
    expect(string.bastion).toEqual({
      host: "127.0.0.61",
      port: 22,
      user: "deploy",
      privateKeyPath: "~/.ssh/deploy",
    });
    const hostvar = resolveSshTarget({
      name: "a",
      vars: {
        ...vars,
        ansible_ssh_common_args: "-o StrictHostKeyChecking=no -o ProxyJump=ops@127.0.0.62:2202",
      },
      settings: { bastion: "127.0.0.61" },
    });
    expect(hostvar.bastion).toMatchObject({ host: "127.0.0.62", port: 2202, user: "ops" });
  });

  it("parses ProxyJump strings", () => {
    expect(parseJumpHost("ops@127.0.0.1:2222")).toEqual({ user: "ops", host: "127.0.0.1", port: 2222 });
    expect(parseJumpHost("ssh://127.0.0.1")).toEqual({ host: "127.0.0.1" });
    expect(parseJumpHost("ops@[127.0.0.1]:22")).toEqual({ user: "ops", host: "127.0.0.1", port: 22 });
    expect(() => parseJumpHost("a@127.0.0.1,b@127.0.0.2")).toThrow(/only one jump host/);
    expect(() => parseJumpHost("127.0.0.1:99999")).toThrow(/invalid port/);
    expect(() => parseJumpHost("a b")).toThrow(UsageError);
    expect(proxyJumpFromArgs("-J ops@127.0.0.1:2")).toBe("ops@127.0.0.1:2");
    expect(proxyJumpFromArgs('-o "ProxyJump 127.0.0.1"')).toBe("127.0.0.1");
    expect(proxyJumpFromArgs("-o ForwardAgent=yes")).toBeUndefined();
  });

  it("rejects unknown or mistyped ssh settings", () => {
    expect(() => parseSshSettings({ usr: "x" })).toThrow(UsageError);
    expect(() => parseSshSettings({ port: "abc" })).toThrow(/ssh\.port/);
    expect(() => parseSshSettings({ bastion: { host: "127.0.0.1", key: "x" } })).toThrow(/ssh\.bastion/);
  });
});

describe("error classification", () => {
  it("maps socket and ssh2 errors to reasons", () => {
    const e = (message: string, extra: object = {}) => Object.assign(new Error(message), extra);
    expect(classifySshError(e("x", { code: "ECONNREFUSED" })).reason).toBe("refused");
    expect(
      classifySshError(e("Timed out while waiting for handshake", { level: "client-timeout" })).reason,
    ).toBe("timeout");
    expect(
      classifySshError(e("All configured authentication methods failed", { level: "client-authentication" }))
        .reason,
    ).toBe("auth");
    expect(classifySshError(e("(SSH) Channel open failure: open failed", { reason: 1 })).reason).toBe(
      "forward-denied",
    );
    expect(classifySshError(e("(SSH) Channel open failure: Connection refused", { reason: 2 })).reason).toBe(
      "refused",
    );
    expect(classifySshError(e("Connection lost before handshake", { level: "protocol" })).reason).toBe(
      "closed",
    );
    expect(classifySshError(e("getaddrinfo ENOTFOUND nowhere", { code: "ENOTFOUND" })).reason).toBe("dns");
    expect(classifySshError("weird").reason).toBe("other");
  });

  it("scrubs private key blocks and given secrets", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretsecret\n-----END OPENSSH PRIVATE KEY-----";
    expect(scrub(`bad key ${pem} here`)).toBe("bad key [REDACTED] here");
    expect(scrub("passphrase hunter22 rejected", ["hunter22"])).toBe("passphrase [REDACTED] rejected");
  });
});

/** A fake SSH public key blob of the given type. */
function blob(type: string): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, randomBytes(32)]);
}
