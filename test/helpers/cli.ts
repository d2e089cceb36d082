import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const CLI = resolve("dist/cli/main.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the built CLI as a user would; the environment is exactly `env` plus PATH/HOME. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<CliRun> {
  return runProgram(process.execPath, [CLI, ...args], env, cwd);
}

export function runProgram(
  program: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(program, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: env.HOME ?? process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
