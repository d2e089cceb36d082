// An SQS message body → the event it carries. Three envelopes: the lifecycle/notification JSON
// sent straight to SQS, the same JSON as a *string* in an SNS notification's `Message`, and an
// EventBridge event whose `detail` holds the fields. AWS's test notification is recognised
// (to be acknowledged and dropped); anything else comes back with the reason it was refused.
import {
  checkAsgName,
  checkHookName,
  checkInstanceId,
  checkToken,
  EventProblem,
  show,
} from "./event-checks.js";

export type EventKind = "launch" | "terminate" | "launched" | "terminated" | "interruption" | "rebalance";
export type Envelope = "direct" | "sns" | "eventbridge";

export interface HookInfo {
  name: string;
  transition: string;
  token?: string;
  metadata?: string;
}

export interface WatchEvent {
  kind: EventKind;
  envelope: Envelope;
  instanceId: string;
  asgName?: string;
  /** From the EventBridge event or the SNS topic ARN; else the watcher's own region. */
  region?: string;
  hook?: HookInfo;
  /** Spot interruption: terminate, stop or hibernate. */
  action?: string;
  /** When AWS says the event happened. */
  time?: string;
  /** The unwrapped message (lifecycle JSON, notification JSON or EventBridge event): data for the play. */
  fields: Record<string, unknown>;
  /** Identifies the event across duplicate deliveries (token, activity id, event id). */
  key: string;
}

export type ParsedMessage =
  | { type: "event"; event: WatchEvent }
  | { type: "test"; envelope: Envelope }
  | { type: "invalid"; reason: string };

const LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";
const TEST = "autoscaling:TEST_NOTIFICATION";
const NOTIFICATIONS: Record<string, EventKind> = {
  "autoscaling:EC2_INSTANCE_LAUNCH": "launched",
  "autoscaling:EC2_INSTANCE_TERMINATE": "terminated",
};

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseMessage(body: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { type: "invalid", reason: `body is not JSON (${show(body)})` };
  }
  if (!isObject(value)) return { type: "invalid", reason: "body is JSON but not an object" };
  try {
    if (typeof value.Type === "string" && "TopicArn" in value) return fromSns(value);
    if ("detail-type" in value || "detail" in value) return fromEventBridge(value);
    return fromAutoScaling(value, "direct", undefined);
  } catch (err) {
    if (err instanceof EventProblem) return { type: "invalid", reason: err.message };
    throw err;
  }
}

function fromSns(envelope: Obj): ParsedMessage {
  if (envelope.Type !== "Notification")
    return { type: "invalid", reason: `SNS ${show(envelope.Type)} message, not a notification` };
  if (typeof envelope.Message !== "string")
    throw new EventProblem("SNS notification without a Message string");
  let inner: unknown;
  try {
    inner = JSON.parse(envelope.Message);
  } catch {
    return { type: "invalid", reason: `SNS Message is not JSON (${show(envelope.Message)})` };
  }
  if (!isObject(inner)) return { type: "invalid", reason: "SNS Message is JSON but not an object" };
  const region = typeof envelope.TopicArn === "string" ? envelope.TopicArn.split(":")[3] : undefined;
  return fromAutoScaling(inner, "sns", region || undefined);
}

function fromAutoScaling(m: Obj, envelope: Envelope, region: string | undefined): ParsedMessage {
  if (m.Event === TEST || m.LifecycleTransition === TEST) return { type: "test", envelope };
  if (typeof m.LifecycleTransition === "string") {
    if (m.LifecycleTransition !== LAUNCHING && m.LifecycleTransition !== TERMINATING)
      return { type: "invalid", reason: `unsupported LifecycleTransition ${show(m.LifecycleTransition)}` };
    return { type: "event", event: hookEvent(m, m, envelope, region, m.Time) };
  }
  if (typeof m.Event === "string") {
    const kind = NOTIFICATIONS[m.Event];
    if (!kind) return { type: "invalid", reason: `unsupported Auto Scaling notification ${show(m.Event)}` };
    const instanceId = checkInstanceId(m.EC2InstanceId, "EC2InstanceId");
    const asgName = checkAsgName(m.AutoScalingGroupName, "AutoScalingGroupName");
    const activity = typeof m.ActivityId === "string" ? m.ActivityId : String(m.RequestId ?? "");
    return {
      type: "event",
      event: {
        kind,
        envelope,
        instanceId,
        asgName,
        region,
        time: typeof m.Time === "string" ? m.Time : undefined,
        fields: m,
        key: `notification:${m.Event}:${instanceId}:${activity}`,
      },
    };
  }
  return { type: "invalid", reason: "not a lifecycle hook message, an ASG notification or an EC2 event" };
}

function hookEvent(
  d: Obj,
  fields: Obj,
  envelope: Envelope,
  region: string | undefined,
  time: unknown,
): WatchEvent {
  const instanceId = checkInstanceId(d.EC2InstanceId, "EC2InstanceId");
  const asgName = checkAsgName(d.AutoScalingGroupName, "AutoScalingGroupName");
  const hook: HookInfo = {
    name: checkHookName(d.LifecycleHookName),
    transition: String(d.LifecycleTransition),
    token: checkToken(d.LifecycleActionToken),
    metadata: typeof d.NotificationMetadata === "string" ? d.NotificationMetadata : undefined,
  };
  return {
    kind: hook.transition === LAUNCHING ? "launch" : "terminate",
    envelope,
    instanceId,
    asgName,
    region,
    hook,
    time: typeof time === "string" ? time : undefined,
    fields,
    key: `hook:${asgName}/${hook.name}/${instanceId}/${hook.token ?? hook.transition}`,
  };
}

function fromEventBridge(e: Obj): ParsedMessage {
  const source = e.source;
  const type = e["detail-type"];
  if (!isObject(e.detail)) throw new EventProblem(`EventBridge event ${show(type)} without a detail object`);
  const d = e.detail;
  const region = typeof e.region === "string" ? e.region : undefined;
  const id = typeof e.id === "string" ? e.id : "";
  if (source === "aws.autoscaling" && typeof type === "string" && type.endsWith("Lifecycle Action")) {
    if (d.LifecycleTransition === TEST) return { type: "test", envelope: "eventbridge" };
    if (d.LifecycleTransition !== LAUNCHING && d.LifecycleTransition !== TERMINATING)
      return { type: "invalid", reason: `unsupported LifecycleTransition ${show(d.LifecycleTransition)}` };
    return { type: "event", event: hookEvent(d, e, "eventbridge", region, e.time) };
  }
  const kinds: Record<string, EventKind> = {
    "aws.ec2/EC2 Spot Instance Interruption Warning": "interruption",
    "aws.ec2/EC2 Instance Rebalance Recommendation": "rebalance",
    "aws.autoscaling/EC2 Instance Launch Successful": "launched",
    "aws.autoscaling/EC2 Instance Terminate Successful": "terminated",
  };
  const kind = kinds[`${String(source)}/${String(type)}`];
  if (!kind)
    return {
      type: "invalid",
      reason: `unsupported EventBridge event ${show(`${String(source)}/${String(type)}`)}`,
    };
  const ec2 = source === "aws.ec2";
  const instanceId = checkInstanceId(
    ec2 ? d["instance-id"] : d.EC2InstanceId,
    ec2 ? "detail.instance-id" : "detail.EC2InstanceId",
  );
  const asgName = ec2 ? undefined : checkAsgName(d.AutoScalingGroupName, "detail.AutoScalingGroupName");
  const action = kind === "interruption" ? d["instance-action"] : undefined;
  if (action !== undefined && !["terminate", "stop", "hibernate"].includes(String(action)))
    throw new EventProblem(`detail.instance-action ${show(action)} is not terminate, stop or hibernate`);
  return {
    type: "event",
    event: {
      kind,
      envelope: "eventbridge",
      instanceId,
      asgName,
      region,
      action: action as string | undefined,
      time: typeof e.time === "string" ? e.time : undefined,
      fields: e,
      key: `eventbridge:${id || `${kind}:${instanceId}`}`,
    },
  };
}
