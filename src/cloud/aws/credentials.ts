// `assume_role_arn`: one STS AssumeRole on top of the base credentials, cached until shortly
// before it expires (like aws_ec2's single AssumeRole per run). STS comes from the optional
// package @aws-sdk/client-sts, loaded only when a source asks for a role.
import { SetupError } from "../../errors.js";
import type { AwsApiSettings, AwsStaticCredentials } from "./api.js";
import { wrapAwsError } from "./errors.js";

interface StsModule {
  STSClient: new (
    config: object,
  ) => { send(command: unknown): Promise<StsAssumeRoleOutput>; destroy(): void };
  AssumeRoleCommand: new (input: object) => unknown;
}

interface StsAssumeRoleOutput {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
}

type CredentialProvider = () => Promise<AwsStaticCredentials & { expiration?: Date }>;

// A variable, not a literal: the package is optional, so the type checker must not require it.
const STS_PACKAGE = "@aws-sdk/client-sts";

async function loadSts(): Promise<StsModule> {
  try {
    return (await import(STS_PACKAGE)) as StsModule;
  } catch {
    throw new SetupError(`assume_role_arn needs the package ${STS_PACKAGE}, which is not installed`);
  }
}

const REFRESH_MARGIN_MS = 5 * 60_000;

export async function resolveAssumeRoleCredentials(
  clientConfig: object,
  settings: AwsApiSettings,
  secrets: (string | undefined)[],
): Promise<CredentialProvider> {
  const sts = await loadSts();
  const client = new sts.STSClient({ ...clientConfig, credentials: settings.credentials });
  let cached: (AwsStaticCredentials & { expiration?: Date }) | undefined;
  const provider: CredentialProvider = async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS))
      return cached;
    try {
      const out = await client.send(
        new sts.AssumeRoleCommand({
          RoleArn: settings.assumeRoleArn,
          RoleSessionName: settings.roleSessionName ?? "rollcall",
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
      cached = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      secrets.push(c.SecretAccessKey, c.SessionToken);
      return cached;
    } catch (err) {
      throw wrapAwsError(err, { service: "sts", operation: "AssumeRole", region: settings.region }, secrets);
    }
  };
  // Fail early (and once) rather than on every client's first request.
  await provider();
  return provider;
}
