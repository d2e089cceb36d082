// fail: fail the host with a message.
import { z } from "zod";
import type { ModuleDef } from "./types.js";

const params = z.strictObject({ msg: z.unknown().optional() });

export const failModule: ModuleDef<z.output<typeof params>> = {
  name: "fail",
  params,
  checkMode: "supported",
  async run(p) {
    return { changed: false, failed: true, msg: p.msg ?? "Failed as requested from task" };
  },
};
