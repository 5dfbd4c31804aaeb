/**
 * `crossipc fault`: faults on the running hub that outlive this process (SPEC §12).
 *   crossipc fault --path P [--method M] [--api A] (--latency MS | --status N | --reset | --timeout | --bandwidth B) [--probability p] [--times n]
 *   crossipc fault --list
 *   crossipc fault --clear [id]
 */
import type { CommandDef } from "citty";
import { printable, withoutSecret } from "./_printable.ts";
import { terminalSafeJson } from "../src/server/_json.ts";
import type { FaultInfo, FaultMatch } from "../src/faults/_types.ts";
import { parseFault } from "../src/faults/_parse.ts";
import { getJson, hubArgs, hubCommand, readAnswer, resolveHub, sendJson, UsageError } from "./_hub-api.ts";
import { numberFlag, type NumberFlag } from "./_numberFlag.ts";

const args = {
  ...hubArgs,
  path: { type: "string", description: "Requests whose path matches this route pattern (/users/:id, /files/**)", valueHint: "pattern" },
  method: { type: "string", description: "Only this HTTP method", valueHint: "GET" },
  api: { type: "string", description: "Only requests to this registered api", valueHint: "api" },
  latency: { type: "string", description: "Delay each request by MS (or MIN-MAX) milliseconds", valueHint: "ms" },
  status: { type: "string", description: "Answer with this status instead", valueHint: "N" },
  reset: { type: "boolean", description: "Reset the connection (no answer)", default: false },
  timeout: { type: "boolean", description: "Never answer", default: false },
  bandwidth: { type: "string", description: "Send response bodies at most this many bytes per second", valueHint: "B" },
  probability: { type: "string", description: "Fault each matching request with this chance (0-1)", valueHint: "p" },
  times: { type: "string", description: "Fault only n requests, then remove the fault", valueHint: "n" },
  list: { type: "boolean", description: "List the hub's faults", default: false },
  clear: { type: "boolean", description: "Remove every fault, or the one whose id follows", default: false },
} as const;

const command: CommandDef<any> = hubCommand("fault", "Add, list or remove faults on the running hub (latency, status, reset, timeout, bandwidth)", args, async (given) => {
  const hub = resolveHub(given);
  const extra = (given._ as string[]).filter((word) => word !== "fault");
  refuseMixedModes(given);
  if (given.list) {
    if (extra.length) throw new UsageError(`--list takes no value, got '${extra[0]}'`);
    const { faults } = await getJson<{ faults: FaultInfo[] }>(hub, "/__crossipc/api/faults", {}, (answer) => Array.isArray(answer.faults));
    process.stdout.write(given.json ? withoutSecret(`${terminalSafeJson(faults)}\n`) : readAnswer(hub, () => faults.map(describe).join("")));
    return;
  }
  if (given.clear) {
    if (extra.length > 1) throw new UsageError("--clear takes at most one fault id");
    const path = extra[0] === undefined ? "/__crossipc/api/faults" : `/__crossipc/api/faults/${encodeURIComponent(extra[0])}`;
    const { removed } = await sendJson<{ removed: number }>(hub, "DELETE", path, undefined, (answer) => typeof answer.removed === "number");
    process.stdout.write(given.json ? `${JSON.stringify({ removed })}\n` : `removed ${removed} fault${removed === 1 ? "" : "s"}\n`);
    return;
  }
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const { match, fault } = faultOf(given);
  const added = await sendJson<FaultInfo>(hub, "POST", "/__crossipc/api/faults", { match, fault }, (answer) => typeof answer.id === "string");
  process.stdout.write(given.json ? withoutSecret(`${terminalSafeJson(added)}\n`) : `${printable(added.id)}\n`);
}, { positionals: true });

export default command;

/** The flags that describe a new fault: with --list or --clear they would be ignored in silence. */
const faultFlags = ["path", "method", "api", "latency", "status", "reset", "timeout", "bandwidth", "probability", "times"] as const;

/**
 * One of --list, --clear or a new fault per run. Taking the first one seen would ignore the
 * rest: `--clear --path /b` removed every fault, not the one on /b, and `--list --path /d --reset`
 * exited 0 having added nothing.
 */
function refuseMixedModes(given: Record<string, any>): void {
  const modes = [given.list && "--list", given.clear && "--clear"].filter(Boolean);
  const adding = faultFlags.filter((flag) => given[flag] !== undefined && given[flag] !== false).map((flag) => `--${flag}`);
  if (modes.length === 2) throw new UsageError("give --list or --clear, not both");
  if (modes.length === 1 && adding.length) {
    throw new UsageError(`${modes[0]} takes none of the flags of a new fault, got ${adding.join(" ")}${modes[0] === "--clear" ? " (--clear removes by id: crossipc fault --list shows them)" : ""}`);
  }
}

/** The flags as `{match, fault}`, checked here as the hub checks them, so a mistake exits 2. */
function faultOf(given: Record<string, any>): { match: FaultMatch; fault: Record<string, unknown> } {
  const match: FaultMatch = {};
  if (given.path !== undefined) match.path = given.path;
  if (given.method !== undefined) match.method = given.method;
  if (given.api !== undefined) match.api = given.api;
  if (match.path === undefined && match.api === undefined) throw new UsageError("give --path (or --api) for the requests to fault");
  const fault: Record<string, unknown> = {};
  if (given.latency !== undefined) {
    // MS or MIN-MAX, each bound read as any number flag is; a refusal quotes all that was given.
    const ms = (text: string) => number("--latency", text, { what: "a number of ms (or MIN-MAX)", shown: given.latency });
    const range = /^([^-]+)-([^-]+)$/.exec(given.latency);
    fault["latency"] = range ? [ms(range[1]!), ms(range[2]!)] : ms(given.latency);
  }
  if (given.status !== undefined) fault["status"] = number("--status", given.status, { whole: true });
  if (given.reset) fault["reset"] = true;
  if (given.timeout) fault["timeout"] = true;
  if (given.bandwidth !== undefined) fault["bandwidth"] = number("--bandwidth", given.bandwidth);
  if (given.probability !== undefined) fault["probability"] = number("--probability", given.probability);
  if (given.times !== undefined) fault["times"] = number("--times", given.times, { whole: true });
  const kinds = ["latency", "status", "reset", "timeout", "bandwidth"].filter((kind) => kind in fault);
  if (kinds.length !== 1) throw new UsageError(`give exactly one of --latency, --status, --reset, --timeout, --bandwidth${kinds.length ? ` (got ${kinds.map((k) => `--${k}`).join(" and ")})` : ""}`);
  try {
    parseFault(match, fault);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { match, fault };
}

/** A number flag as ./_numberFlag.ts reads every one; `--latency 10-20`'s bounds each. */
function number(flag: string, text: string, options?: NumberFlag): number {
  return numberFlag(text, flag, (message) => new UsageError(message), options);
}

function describe(fault: FaultInfo): string {
  const match = [fault.match.method, fault.match.path, fault.match.api && `api ${fault.match.api}`].filter(Boolean).join(" ");
  const { probability, times, ...kind } = fault.fault as unknown as Record<string, unknown>;
  const [name, value] = Object.entries(kind)[0] ?? ["?", ""];
  const modifiers = [probability !== undefined && `probability ${probability}`, times !== undefined && `times ${times}`].filter(Boolean).join(", ");
  // A test's fault (scope.fault) says whose: its scope and the connection that added it.
  const whose = fault.scope !== undefined ? `  scope ${fault.scope}` : fault.owner !== undefined ? "  unscoped" : "";
  const owner = fault.owner !== undefined ? ` (${fault.owner})` : "";
  // Paths, scopes and ids came from the network: printed escaped (./_printable.ts).
  return `${printable(`${fault.id}  ${match}  ${name}${value === true ? "" : ` ${Array.isArray(value) ? value.join("-") : value}`}${modifiers ? ` (${modifiers})` : ""}  ${fault.hits} ${fault.hits === 1 ? "hit" : "hits"}${whose}${owner}`)}\n`;
}
