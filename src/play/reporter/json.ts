// `--json`: one event per line, exactly the runner's events.
import type { PlayEvent } from "../events.js";

export function formatJsonEvent(event: PlayEvent): string {
  return `${JSON.stringify(event)}\n`;
}

export function createJsonReporter(write: (text: string) => void): (event: PlayEvent) => void {
  return (event) => write(formatJsonEvent(event));
}
