// Runs one CLI command in this process, discards its stdout, and reports this process's peak
// RSS on stderr as JSON: the parent times the whole process (Node start-up included).

import { createProcessContext } from "../src/cli/context.js";
import { runCli } from "../src/cli/main.js";

const ctx = { ...createProcessContext(), stdout: () => {} };
const code = await runCli(process.argv.slice(2), ctx);
process.stderr.write(`${JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exitCode = code;
