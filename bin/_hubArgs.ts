/**
 * The flags of `crossipc hub`. citty parses and documents them; it lets unknown flags and
 * bad values through (its parser is not strict), so they are checked here.
 */
import { readEnv } from "./_runtime.ts";

export const hubArgs = {
  port: { type: "string", valueHint: "N", description: "Port to listen on (default: $CROSSIPC_HUB_PORT, then $GG_LOCAL_ROUTER_PORT, then 9000)" },
  hostname: { type: "string", valueHint: "H", description: "Address to bind (default 127.0.0.1)" },
  token: { type: "string", valueHint: "T", description: "Access token that framework clients and the dashboard must present (?token=T)" },
  "allow-origin": { type: "string", valueHint: "O", description: "Origin whose web pages may connect (repeatable)" },
  takeover: { type: "boolean", default: true, description: "Port taken: ask the running hub to yield and take over", negativeDescription: "Port taken: fail instead of taking over" },
  json: { type: "boolean", description: "Print events as JSON lines" },
  "resettable-connections": { type: "boolean", description: "Deno only: serve through a TCP front so that reset faults drop connections (costs throughput)" },
} as const;

export interface HubFlags {
  port: number;
  hostname?: string;
  token?: string;
  allowedOrigins: string[];
  takeover: boolean;
  json: boolean;
  resettableConnections: boolean;
}

const VALUE_FLAGS = new Set(["port", "hostname", "token", "allow-origin"]);
const BOOLEAN_FLAGS = new Set(["takeover", "no-takeover", "json", "resettable-connections", "help", "h"]);
export const DEFAULT_PORT = 9000;

/** Reads the flags from the raw arguments; throws an Error whose message is what to tell the user. */
export function readHubFlags(rawArgs: string[]): HubFlags {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (!arg.startsWith("-") || arg === "-") throw new Error(`Unexpected argument '${arg}'`);
    const [rawName, inline] = splitFlag(arg);
    const name = rawName.replace(/^-{1,2}/, "");
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? rawArgs[++i];
      if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) throw new Error(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined && inline !== "true" && inline !== "false") throw new Error(`--${name} takes no value`);
      booleans.add(inline === "false" ? `no-${name}` : name);
    } else {
      throw new Error(`Unknown option '${rawName}'`);
    }
  }
  for (const name of ["port", "hostname", "token"]) {
    if ((values.get(name)?.length ?? 0) > 1) throw new Error(`--${name} given more than once`);
  }
  return {
    port: resolvePort(values.get("port")?.[0]),
    hostname: values.get("hostname")?.[0],
    token: values.get("token")?.[0],
    allowedOrigins: (values.get("allow-origin") ?? []).map(checkOrigin),
    takeover: !booleans.has("no-takeover"),
    json: booleans.has("json"),
    resettableConnections: booleans.has("resettable-connections"),
  };
}

/** The flag, then `CROSSIPC_HUB_PORT`, then grest-ts's `GG_LOCAL_ROUTER_PORT`, then 9000. */
function resolvePort(flag: string | undefined): number {
  if (flag !== undefined) return parsePort(flag, "--port");
  for (const name of ["CROSSIPC_HUB_PORT", "GG_LOCAL_ROUTER_PORT"]) {
    const value = readEnv(name);
    if (value !== undefined && value !== "") return parsePort(value, `$${name}`);
  }
  return DEFAULT_PORT;
}

function parsePort(text: string, source: string): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new Error(`${source} must be a port number (0-65535), got '${text}'`);
  return port;
}

function checkOrigin(origin: string): string {
  if (origin === "*") return origin;
  try {
    const url = new URL(origin);
    if (url.origin !== "null" && url.origin === origin.replace(/\/$/, "")) return url.origin;
  } catch {
    // Reported below.
  }
  throw new Error(`--allow-origin must be an origin such as http://localhost:5173 (or *), got '${origin}'`);
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
