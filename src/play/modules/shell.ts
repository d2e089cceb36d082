// shell: like command, but through /bin/sh (or `executable`), so pipes and redirects work.
import { z } from "zod";
import { commandParamShape, runCommand } from "./command.js";
import { str } from "./params.js";
import type { ModuleDef } from "./types.js";

const params = z.strictObject({ ...commandParamShape, executable: str().optional() });

export const shellModule: ModuleDef<z.output<typeof params>> = {
  name: "shell",
  params,
  freeForm: "cmd",
  paramAliases: { _raw_params: "cmd" },
  checkMode: "supported",
  run: (p, ctx) => runCommand(p, ctx, true),
};
