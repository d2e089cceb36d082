// Running the real ansible-playbook / ansible-inventory in tests: where they are, and the
// environment that makes their output machine-readable and quiet.
import { join } from "node:path";
import { hasProgram } from "./programs.js";

/** The directory of test/helpers/ansible/rollcall_json.py (ansible-core ships no JSON callback). */
export const CALLBACK_DIR = join(import.meta.dirname, "ansible");

/** Required in CI, optional on a laptop without ansible-core. */
export const hasAnsible = hasProgram("ansible-playbook");
export const requireAnsible = hasAnsible || process.env.CI === "true";

/**
 * The environment for one ansible-playbook run: JSON on stdout (one document at the end, see
 * rollcall_json.py), no colours, no retry files, its temp files under `home`.
 */
export function ansibleEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    PYTHONDONTWRITEBYTECODE: "1",
    ANSIBLE_CALLBACK_PLUGINS: CALLBACK_DIR,
    ANSIBLE_STDOUT_CALLBACK: "rollcall_json",
    ANSIBLE_PYTHON_INTERPRETER: "auto_silent",
    ANSIBLE_RETRY_FILES_ENABLED: "0",
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_DEPRECATION_WARNINGS: "0",
    ANSIBLE_LOCALHOST_WARNING: "0",
    ANSIBLE_HOST_KEY_CHECKING: "0",
    ANSIBLE_LOCAL_TEMP: join(home, ".ansible-tmp"),
    ...extra,
  };
}

export interface AnsibleJson {
  plays: {
    play: { name: string };
    tasks: { task: { name: string }; hosts: Record<string, Record<string, unknown>> }[];
  }[];
  stats: Record<string, Record<string, number>>;
}

/** The JSON document in ansible-playbook's stdout (`pause` prints before it). */
export function parseAnsibleJson(stdout: string): AnsibleJson {
  return JSON.parse(stdout.slice(stdout.search(/^\{/m))) as AnsibleJson;
}
