// The query/XML plumbing of the AWS fake, below the SDK.
import { describe, expect, it } from "vitest";
import {
  AwsFault,
  paginate,
  parseAuthorization,
  parseQuery,
  renderError,
  renderSuccess,
  strings,
  structs,
} from "../../../src/sim/aws/protocol.js";

describe("parseQuery", () => {
  it("reads EC2's flat lists and Auto Scaling's member lists in index order", () => {
    const ec2 = parseQuery(
      "Action=DescribeInstances&Version=2016-11-15&Filter.2.Name=tag-key&Filter.2.Value.1=Env&Filter.1.Name=tag%3ARole&Filter.1.Value.2=b&Filter.1.Value.1=a",
    );
    expect(ec2.action).toBe("DescribeInstances");
    expect(structs(ec2.params, "Filter", "flat").map((f) => [f.Name, strings(f, "Value", "flat")])).toEqual([
      ["tag:Role", ["a", "b"]],
      ["tag-key", ["Env"]],
    ]);
    const asg = parseQuery(
      "Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.10=j&AutoScalingGroupNames.member.2=b&AutoScalingGroupNames.member.1=a",
    );
    expect(strings(asg.params, "AutoScalingGroupNames", "member")).toEqual(["a", "b", "j"]);
  });
});

describe("paginate", () => {
  it("caps pages at the fake's size, hands out opaque tokens tied to the action, rejects forged ones", () => {
    const items = Array.from({ length: 12 }, (_, i) => i);
    const first = paginate(items, "DescribeTags", undefined, 1000, 5);
    expect(first.page).toEqual([0, 1, 2, 3, 4]);
    const second = paginate(items, "DescribeTags", first.nextToken, undefined, 5);
    const third = paginate(items, "DescribeTags", second.nextToken, undefined, 5);
    expect(third).toEqual({ page: [10, 11], nextToken: undefined });
    expect(() => paginate(items, "DescribeInstances", first.nextToken, undefined, 5)).toThrow(AwsFault);
    expect(() => paginate(items, "DescribeTags", "bm9wZQ", undefined, 5)).toThrow(/token is invalid/);
  });
});

describe("parseAuthorization", () => {
  it("takes the access key, region and service from the SigV4 credential scope", () => {
    expect(
      parseAuthorization(
        "AWS4-HMAC-SHA256 Credential=AKIASIMULATOR0000001/20260101/eu-west-1/autoscaling/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
      ),
    ).toEqual({ accessKeyId: "AKIASIMULATOR0000001", region: "eu-west-1", service: "autoscaling" });
    expect(parseAuthorization("Bearer x")).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });
});

describe("render", () => {
  it("wraps results the way each protocol does and escapes text", () => {
    expect(
      renderSuccess("ec2", "DescribeTags", "r-1", {
        tagSet: { item: [{ key: "a&b", value: "<x>" }] },
        nextToken: undefined,
      }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><tagSet><item><key>a&amp;b</key><value>&lt;x&gt;</value></item></tagSet></DescribeTagsResponse>',
    );
    expect(renderSuccess("autoscaling", "SetDesiredCapacity", "r-2", {})).toContain(
      '<SetDesiredCapacityResponse xmlns="https://autoscaling.amazonaws.com/doc/2011-01-01/"><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>',
    );
    expect(renderError("autoscaling", new AwsFault(400, "Throttling", "Rate exceeded"), "r-3")).toContain(
      "<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-3</RequestId>",
    );
    expect(
      renderError("ec2", new AwsFault(503, "RequestLimitExceeded", "Request limit exceeded."), "r-4"),
    ).toContain(
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-4</RequestID></Response>",
    );
  });
});

describe("fleet", () => {
  it("validates idempotently (the fleet loader may validate first) and rejects bad groups", async () => {
    const { defaultAwsFleet, generateAwsFleet, parseAwsFleet } = await import(
      "../../../src/sim/aws/index.js"
    );
    const once = parseAwsFleet(defaultAwsFleet);
    expect(parseAwsFleet(once)).toEqual(once);
    expect(parseAwsFleet(generateAwsFleet({ asgs: 3, instancesPerAsg: 2 })).asgs).toHaveLength(3);
    expect(() =>
      parseAwsFleet({
        asgs: [{ name: "x", region: "us-east-1", desired: 5, max: 2, launch_configuration: "lc" }],
      }),
    ).toThrow(/fleet aws\.asgs\.0: need min <= desired <= max/);
    expect(() => parseAwsFleet({ asgs: [{ name: "x", region: "us-east-1", desired: 1 }] })).toThrow(
      /exactly one of launch_template/,
    );
  });
});
