/** One line per event on stdout: readable by default, JSON lines with `--json`. */
import type { HubEvent, HubRoute } from "../src/index.ts";
import { printable } from "./_printable.ts";
import { terminalSafeJson } from "../src/server/_json.ts";
import { LOG_REDACTION, redactUrl } from "../src/server/_redact.ts";

export type CliEvent =
  | HubEvent
  | { type: "started"; url: string; dashboard: string; port: number; runtime: string }
  | { type: "takingOver"; port: number }
  | { type: "replaying"; file: string; entries: number; skipped: number }
  | { type: "stopped"; port: number; signal?: string; bound?: false };

export function printer(json: boolean): (event: CliEvent) => void {
  // `--json` escapes what a terminal acts on as `journal --json` does: JSON.stringify left C1 and bidi controls raw.
  return (event) => console.log(json ? terminalSafeJson(toJson(event)) : toText(event));
}

function toJson(event: CliEvent): Record<string, unknown> {
  const time = new Date().toISOString();
  switch (event.type) {
    case "routeAdded":
    case "routeRemoved":
      return { event: event.type, time, ...shownRoute(event.route) };
    case "routesEvicted":
      return { event: event.type, time, owner: event.owner, runtimeId: event.runtimeId, count: event.routes.length, routes: event.routes.map(shownRoute) };
    default: {
      const { type, ...rest } = event;
      return { event: type, time, ...rest };
    }
  }
}

function toText(event: CliEvent): string {
  switch (event.type) {
    case "started":
      return `crossipc hub listening on ${event.url} (${event.runtime}); dashboard: ${event.dashboard}`;
    case "takingOver":
      return `port ${event.port} is taken: asking the hub on it to yield`;
    case "replaying":
      return `replaying ${event.entries} recorded request${event.entries === 1 ? "" : "s"} from ${event.file}${event.skipped ? ` (${event.skipped} without an answer, or with a body cut when it was recorded, skipped)` : ""}`;
    case "routeAdded":
      return `+ route ${describeRoute(event.route)}`;
    case "routeRemoved":
      return `- route ${describeRoute(event.route)}`;
    case "routesEvicted": {
      const n = event.routes.length;
      return `x ${n} route${n === 1 ? "" : "s"} evicted: ${who(event.owner, event.runtimeId)} disconnected (${printable(event.routes.map((r) => r.pathPrefix).join(", "))})`;
    }
    case "yielded":
      return "yielded: another hub asked for the port";
    case "stopped":
      return event.bound === false
        ? `stopped${event.signal ? ` (${event.signal})` : ""} before binding port ${event.port}`
        : `stopped${event.signal ? ` (${event.signal})` : ""}; port ${event.port} is free`;
  }
}

/**
 * A route as `--json` prints it: a password in its base URL (`http://user:secret@host`) reads
 * `[redacted]`, as in the text lines, the dashboard and the logs (it was printed whole, into
 * whatever log collects the hub's output).
 */
function shownRoute(route: HubRoute): HubRoute {
  return { ...route, baseUrl: redactUrl(route.baseUrl, LOG_REDACTION)! };
}

/** What a service registered (api, prefix, baseUrl, runtimeId) is printed with its control characters escaped. */
function describeRoute(route: HubRoute): string {
  return printable(`${route.pathPrefix || "/"} -> ${redactUrl(route.baseUrl, LOG_REDACTION)} (${route.api}, ${who(route.owner, route.runtimeId)})`);
}

function who(owner: string, runtimeId: string | undefined): string {
  return printable(runtimeId ? `${owner}/${runtimeId}` : owner);
}
