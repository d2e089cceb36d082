// The watcher's own log lines. Text: `watch: <message id> <what happened>`, one line each, and
// every line of a play's output prefixed with `[<message id>] `. JSON (--json): one object per
// line, `{"type": "watch", "what": …, "message_id": …, "text": …}` for the watcher and the
// runner's events with `message_id` added for plays.

export type WatchLogWhat =
  | "started"
  | "received"
  | "test"
  | "invalid"
  | "no-play"
  | "duplicate"
  | "busy"
  | "inactive"
  | "play-start"
  | "play-end"
  | "heartbeat"
  | "heartbeat-lost"
  | "completed"
  | "deleted"
  | "left"
  | "warning"
  | "error"
  | "stopping"
  | "stopped";

export interface WatchLogLine {
  what: WatchLogWhat;
  level: "info" | "warn" | "error" | "debug";
  messageId?: string;
  text: string;
  data?: Record<string, unknown>;
}

export interface WatchOutput {
  json: boolean;
  verbosity: number;
  /** Everything (log lines and play output) goes here, one line per call or more. */
  write(text: string): void;
  /** Play warnings (the text reporter's stderr). */
  warn(text: string): void;
}

export interface WatchLog {
  line(entry: WatchLogLine): void;
  /** A writer that prefixes each complete line of a play's text output with the message id. */
  playWriter(messageId: string): { write(text: string): void; flush(): void };
}

export function createWatchLog(out: WatchOutput): WatchLog {
  return {
    line(e) {
      if (e.level === "debug" && out.verbosity < 1) return;
      if (out.json) {
        out.write(
          `${JSON.stringify({ type: "watch", what: e.what, level: e.level, message_id: e.messageId, text: e.text, ...e.data })}\n`,
        );
        return;
      }
      out.write(`watch: ${e.messageId ? `${e.messageId} ` : ""}${e.text}\n`);
    },
    playWriter(messageId) {
      let pending = "";
      return {
        write(text) {
          pending += text;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          if (lines.length > 0) out.write(lines.map((l) => `[${messageId}] ${l}\n`).join(""));
        },
        flush() {
          if (pending) out.write(`[${messageId}] ${pending}\n`);
          pending = "";
        },
      };
    },
  };
}
