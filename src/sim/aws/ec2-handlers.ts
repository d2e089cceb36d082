// EC2 actions (ec2Query protocol): DescribeInstances, DescribeTags, TerminateInstances,
// DescribeLaunchTemplateVersions. Validation and error codes follow the EC2 API reference.
import { terminateFromEc2 } from "./asg-lifecycle.js";
import { AwsFault, int, items, paginate, type QueryNode, str, strings, structs } from "./protocol.js";
import { type AwsWorld, findTemplate, instancesInRegion, resolveVersion, type SimInstance } from "./world.js";

export interface RequestInfo {
  region: string;
  params: QueryNode;
}

export type Handler = (world: AwsWorld, req: RequestInfo) => object;

const STATE_CODES: Record<SimInstance["ec2State"], number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

export const ec2Handlers: Record<string, Handler> = {
  DescribeInstances: describeInstances,
  DescribeTags: describeTags,
  TerminateInstances: terminateInstances,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};

export const ec2MutatingActions = new Set(["TerminateInstances"]);

interface Filter {
  name: string;
  /** Compiled once per request: a fleet of thousands is matched against each filter. */
  test: (actual: string | undefined) => boolean;
}

function filtersOf(params: QueryNode): Filter[] {
  return structs(params, "Filter", "flat").map((f) => ({
    name: str(f, "Name") ?? "",
    test: valueMatcher(strings(f, "Value", "flat")),
  }));
}

/** EC2 filter values accept `*` and `?` wildcards; plain values are a set lookup. */
function valueMatcher(values: readonly string[]): (actual: string | undefined) => boolean {
  const exact = new Set(values.filter((v) => !/[*?]/.test(v)));
  const patterns = values.filter((v) => /[*?]/.test(v)).map(globToRegExp);
  return (actual) => actual !== undefined && (exact.has(actual) || patterns.some((re) => re.test(actual)));
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

function maxResults(params: QueryNode, min: number, max: number): number | undefined {
  const n = int(params, "MaxResults");
  if (n !== undefined && (n < min || n > max)) {
    throw new AwsFault(
      400,
      "InvalidParameterValue",
      `Value ( ${n} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return n;
}

function instanceMatches(inst: SimInstance, filter: Filter): boolean {
  const { name, test } = filter;
  if (name.startsWith("tag:")) return test(inst.tags[name.slice(4)]);
  switch (name) {
    case "tag-key":
      return Object.keys(inst.tags).some(test);
    case "tag-value":
      return Object.values(inst.tags).some(test);
    case "instance-state-name":
      return test(inst.ec2State);
    case "instance-id":
      return test(inst.id);
    case "private-ip-address":
      return test(inst.privateIp);
    case "availability-zone":
      return test(inst.az);
    default:
      throw new AwsFault(400, "InvalidParameterValue", `The filter '${name}' is invalid`);
  }
}

function checkInstanceIds(world: AwsWorld, region: string, ids: string[]): void {
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) {
      throw new AwsFault(400, "InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
    }
  }
  const missing = ids.filter((id) => world.instances.get(id)?.region !== region);
  if (missing.length > 0) {
    const quoted = missing.map((id) => `'${id}'`).join(", ");
    throw new AwsFault(
      400,
      "InvalidInstanceID.NotFound",
      `The instance ID${missing.length > 1 ? "s" : ""} ${quoted} do${missing.length > 1 ? "" : "es"} not exist`,
    );
  }
}

function describeInstances(world: AwsWorld, { region, params }: RequestInfo): object {
  const ids = strings(params, "InstanceId", "flat");
  const filters = filtersOf(params);
  const requested = maxResults(params, 5, 1000);
  if (ids.length > 0 && requested !== undefined) {
    throw new AwsFault(
      400,
      "InvalidParameterCombination",
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  }
  checkInstanceIds(world, region, ids);
  const wanted = new Set(ids);
  const matching = instancesInRegion(world, region)
    .filter((i) => wanted.size === 0 || wanted.has(i.id))
    .filter((i) => filters.every((f) => instanceMatches(i, f)));
  const { page, nextToken } = paginate(
    matching,
    "DescribeInstances",
    str(params, "NextToken"),
    requested,
    world.fleet.page_size,
  );
  return {
    reservationSet: items(page.map((i) => renderReservation(world, i))),
    nextToken,
  };
}

function renderReservation(world: AwsWorld, inst: SimInstance): object {
  return {
    reservationId: `r-${inst.id.slice(2)}`,
    ownerId: world.accountId,
    requesterId: inst.asgName ? "940372691376" : undefined,
    groupSet: "",
    instancesSet: items([renderInstance(inst)]),
  };
}

function renderInstance(inst: SimInstance): object {
  const dashed = inst.privateIp.replace(/\./g, "-");
  const domain = inst.region === "us-east-1" ? "ec2.internal" : `${inst.region}.compute.internal`;
  const live = inst.ec2State !== "terminated";
  return {
    instanceId: inst.id,
    imageId: inst.imageId,
    instanceState: { code: STATE_CODES[inst.ec2State], name: inst.ec2State },
    privateDnsName: live ? `ip-${dashed}.${domain}` : "",
    dnsName: live && inst.publicIp ? `ec2-${inst.publicIp.replace(/\./g, "-")}.compute-1.amazonaws.com` : "",
    reason: inst.ec2State === "terminated" ? "User initiated" : "",
    amiLaunchIndex: 0,
    productCodes: "",
    instanceType: inst.instanceType,
    launchTime: new Date(inst.launchTime).toISOString(),
    placement: { availabilityZone: inst.az, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    subnetId: live ? `subnet-0${inst.az.slice(-1).charCodeAt(0).toString(16)}00000000000000` : undefined,
    vpcId: live ? "vpc-0000000000000001" : undefined,
    privateIpAddress: live ? inst.privateIp : undefined,
    ipAddress: live ? inst.publicIp : undefined,
    sourceDestCheck: true,
    groupSet: items([{ groupId: "sg-0000000000000001", groupName: "default" }]),
    architecture: "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    blockDeviceMapping: "",
    virtualizationType: "hvm",
    clientToken: "",
    tagSet: items(inst.hideTags ? [] : Object.entries(inst.tags).map(([key, value]) => ({ key, value }))),
    hypervisor: "xen",
    ebsOptimized: false,
    enaSupport: true,
  };
}

function describeTags(world: AwsWorld, { region, params }: RequestInfo): object {
  const filters = filtersOf(params);
  const requested = maxResults(params, 5, 1000);
  const all: { resourceId: string; resourceType: string; key: string; value: string }[] = [];
  for (const inst of instancesInRegion(world, region)) {
    for (const [key, value] of Object.entries(inst.tags)) {
      all.push({ resourceId: inst.id, resourceType: "instance", key, value });
    }
  }
  const matching = all.filter((t) =>
    filters.every((f) => {
      if (f.name.startsWith("tag:")) return t.key === f.name.slice(4) && f.test(t.value);
      switch (f.name) {
        case "resource-id":
          return f.test(t.resourceId);
        case "resource-type":
          return f.test(t.resourceType);
        case "key":
          return f.test(t.key);
        case "value":
          return f.test(t.value);
        default:
          throw new AwsFault(400, "InvalidParameterValue", `The filter '${f.name}' is invalid`);
      }
    }),
  );
  const { page, nextToken } = paginate(
    matching,
    "DescribeTags",
    str(params, "NextToken"),
    requested,
    world.fleet.page_size,
  );
  return { tagSet: items(page), nextToken };
}

function terminateInstances(world: AwsWorld, { region, params }: RequestInfo): object {
  const ids = strings(params, "InstanceId", "flat");
  if (ids.length === 0)
    throw new AwsFault(400, "MissingParameter", "The request must contain the parameter InstanceId");
  checkInstanceIds(world, region, ids);
  const changes = ids.map((id) => {
    const inst = world.instances.get(id)!;
    const previous = inst.ec2State;
    if (previous !== "terminated") terminateFromEc2(world, inst);
    const current =
      inst.ec2State === "pending" || inst.ec2State === "running" ? "shutting-down" : inst.ec2State;
    return {
      instanceId: id,
      currentState: { code: STATE_CODES[current], name: current },
      previousState: { code: STATE_CODES[previous], name: previous },
    };
  });
  return { instancesSet: items(changes) };
}

function describeLaunchTemplateVersions(world: AwsWorld, { region, params }: RequestInfo): object {
  const id = str(params, "LaunchTemplateId");
  const name = str(params, "LaunchTemplateName");
  if (!id && !name) {
    throw new AwsFault(
      400,
      "MissingParameter",
      "The request must include either LaunchTemplateId or LaunchTemplateName",
    );
  }
  const template = findTemplate(world, region, { id, name });
  if (!template) {
    throw id
      ? new AwsFault(
          400,
          "InvalidLaunchTemplateId.NotFound",
          `The specified launch template, with template ID ${id}, does not exist.`,
        )
      : new AwsFault(
          400,
          "InvalidLaunchTemplateName.NotFoundException",
          `The specified launch template, with template name ${name}, does not exist.`,
        );
  }
  const asked = strings(params, "LaunchTemplateVersion", "flat");
  let versions = template.versions;
  if (asked.length > 0) {
    versions = asked.map((v) => {
      const n = resolveVersion(template, v);
      if (n === undefined) {
        throw new AwsFault(
          400,
          "InvalidLaunchTemplateId.VersionNotFound",
          `Could not find launch template version ${v} for launch template ${template.id}.`,
        );
      }
      return template.versions.find((x) => x.number === n)!;
    });
  }
  const { page, nextToken } = paginate(
    versions,
    "DescribeLaunchTemplateVersions",
    str(params, "NextToken"),
    int(params, "MaxResults"),
    world.fleet.page_size,
  );
  return {
    launchTemplateVersionSet: items(
      page.map((v) => ({
        launchTemplateId: template.id,
        launchTemplateName: template.name,
        versionNumber: v.number,
        createTime: new Date(v.createdAt).toISOString(),
        createdBy: `arn:aws:iam::${world.accountId}:user/rollcall-sim`,
        defaultVersion: v.number === template.defaultVersion,
        launchTemplateData: { imageId: v.imageId, instanceType: v.instanceType },
      })),
    ),
    nextToken,
  };
}
