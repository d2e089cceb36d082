// A ModuleContext for calling modules directly (no playbook, no runner).
import { LocalConnection } from "../../../src/play/connection/connection.js";
import type { ModuleContext, ModuleProgress } from "../../../src/play/modules/types.js";
import { expressionTemplate, renderString } from "../../../src/template/engine.js";

export interface TestContext extends ModuleContext {
  progressed: ModuleProgress[];
  displayed: string[];
}

export function testContext(
  o: Partial<ModuleContext> & { vars?: Record<string, unknown>; cwd?: string } = {},
): TestContext {
  const progressed: ModuleProgress[] = [];
  const displayed: string[] = [];
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const cwd = o.cwd ?? process.cwd();
  const vars = o.vars ?? {};
  return {
    host: { name: "h1", vars },
    checkMode: false,
    verbosity: 0,
    signal: new AbortController().signal,
    services: { env, cwd },
    now: Date.now,
    progress: (p) => progressed.push(p),
    display: (m) => displayed.push(m),
    connection: async () => new LocalConnection(env, cwd),
    evaluate: (expr) => renderString(expressionTemplate(expr), { vars, env }),
    ...o,
    environment: o.environment ?? {},
    progressed,
    displayed,
  };
}
