// `rollcall recycle-cleanup --asg NAME [--region R] | --spotinst-group sig-… [--check]`: put a
// group back after a recycle run that was abandoned (killed, never resumed). See
// src/play/recycle/cleanup.ts for what it restores and what it leaves for a human.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { UsageError } from "../errors.js";
import { type CliContext, stateDirOf } from "./context.js";

export interface CleanupArgs {
  asg?: string;
  region?: string;
  spotinstGroup?: string;
  check?: boolean;
}

export function recycleCleanupCommand(ctx: CliContext): CommandModule<object, CleanupArgs> {
  return {
    command: "recycle-cleanup",
    describe: "restore a group an abandoned recycle run left behind (processes, max size, tags, lease, lock)",
    builder: (y: Argv) =>
      y
        .option("asg", { type: "string", describe: "the Auto Scaling group" })
        .option("region", { type: "string", describe: "its region (default: $AWS_REGION)" })
        .option("spotinst-group", {
          type: "string",
          describe: "a Spotinst group (sig-…): only its local lock",
        })
        .option("check", { alias: "C", type: "boolean", describe: "say what would be done, do nothing" })
        .conflicts("asg", "spotinst-group") as unknown as Argv<CleanupArgs>,
    handler: async (args: ArgumentsCamelCase<CleanupArgs>) => {
      const o = { check: args.check === true, stateDir: stateDirOf(ctx) };
      const { cleanupAsg, cleanupLock } = await import("../play/recycle/cleanup.js");
      let lines: string[];
      if (args.asg) {
        const region = args.region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
        if (!region) throw new UsageError("recycle-cleanup: --region is required (no AWS_REGION)");
        const { awsApiSettings, awsSourceSchema } = await import("../inventory/sources/aws.js");
        const settings = await awsApiSettings(
          awsSourceSchema.parse({ type: "aws" }),
          { env: ctx.env, homeDir: ctx.homeDir, note() {} },
          region,
        );
        const { createAwsApi } = await import("../cloud/aws/api.js");
        const api = await createAwsApi(settings);
        try {
          lines = await cleanupAsg(api, args.asg, o);
        } finally {
          api.destroy();
        }
      } else if (args.spotinstGroup) {
        const { spotinstLeaseKey } = await import("../play/recycle/spotinst-guard.js");
        lines = await cleanupLock(spotinstLeaseKey(args.spotinstGroup), o);
        if (lines.length === 0) lines = [`nothing to clean up for ${args.spotinstGroup} on this machine`];
      } else {
        throw new UsageError("recycle-cleanup: give --asg NAME or --spotinst-group sig-…");
      }
      for (const l of lines) ctx.stdout(`${l}\n`);
    },
  };
}
