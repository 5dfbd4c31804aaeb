/**
 * The flags of `crossipc hub`. citty parses and documents them; it lets unknown flags and
 * bad values through (its parser is not strict), so they are checked here.
 */
import { isLoopback } from "../src/_environment.ts";
import { readEnv } from "./_runtime.ts";
import { checkHostname } from "./_hostnameFlag.ts";
import { numberFlag } from "./_numberFlag.ts";
import { DEFAULT_MAX_TOTAL_BODY, MAX_JOURNAL_SIZE } from "../src/server/journal.ts";
import { MAX_HEARTBEAT_SECONDS } from "../src/_numberOptions.ts";

export const hubArgs = {
  port: { type: "string", valueHint: "N", description: "Port to listen on (default: $CROSSIPC_HUB_PORT, then $GG_LOCAL_ROUTER_PORT, then 9000)" },
  hostname: { type: "string", valueHint: "H", description: "Address to bind (default: $CROSSIPC_HOSTNAME, then 127.0.0.1; beyond loopback only with a token)" },
  token: { type: "string", valueHint: "T", description: "Access token that framework clients and the dashboard must present (?token=T; default: $CROSSIPC_ACCESS_TOKEN, which, unlike a flag, other users cannot see in ps)" },
  "allow-origin": { type: "string", valueHint: "O", description: "Origin whose web pages may connect (repeatable; * needs --token)" },
  "allow-host": { type: "string", valueHint: "H", description: "Host name the hub answers besides localhost and IP addresses (repeatable; .example.test admits its subdomains)" },
  takeover: { type: "boolean", default: true, description: "Port taken: ask the running hub to yield and take over", negativeDescription: "Port taken: fail instead of taking over" },
  json: { type: "boolean", description: "Print events as JSON lines" },
  "resettable-connections": { type: "boolean", description: "No effect (kept so that scripts passing it still run): Bun and Deno hubs serve through their own front by default" },
  record: { type: "string", valueHint: "FILE.har", description: "Record every request with its bodies; write FILE (HAR 1.2) on SIGINT/SIGTERM and whenever the unfiltered HAR is asked for" },
  "max-body": { type: "string", valueHint: "N", description: "Bytes of each body a recording keeps (default 10MiB; 64KiB, 2MiB… or bytes)" },
  "max-total-body": { type: "string", valueHint: "N", description: "Bytes of bodies a recording holds in all, the oldest entries dropped first (default 256MiB; 64KiB, 1GiB… or bytes)" },
  "journal-size": { type: "string", valueHint: "N", description: "Entries the journal keeps, the oldest dropped first (default 1000)" },
  heartbeat: { type: "string", valueHint: "S", description: "Seconds a client may take to answer the hub's ping before it counts as dead (default 5; raise it for test processes that block or sit in a debugger)" },
  redact: { type: "boolean", default: true, description: "Redact authorization, cookies, API keys, tokens and passwords (README, Seeing what the hub does) in the journal and recordings", negativeDescription: "Keep secrets as sent (the recording then holds them)" },
  replay: { type: "string", valueHint: "FILE.har", description: "Answer requests from a HAR recording, before the services (repeatable; the last given is asked first)" },
  "on-miss": { type: "string", valueHint: "next|404", description: "With --replay: a request no recording holds goes on to the services (next, default) or gets a 404 naming the closest recorded request" },
} as const;

export interface HubFlags {
  port: number;
  hostname?: string;
  token?: string;
  allowedOrigins: string[];
  allowedHosts: string[];
  takeover: boolean;
  json: boolean;
  resettableConnections: boolean;
  /** `--record FILE`: the HAR file to write. */
  record?: string;
  /** `--max-body`, in bytes (default 10 MiB): only with `--record`. */
  maxBody: number;
  /** `--max-total-body`, in bytes (default 256 MiB, as `journal.maxTotalBodySize`): only with `--record`. */
  maxTotalBody: number;
  journalSize?: number;
  /** `--heartbeat`, seconds (the server's `heartbeat` option). */
  heartbeat?: number;
  redact: boolean;
  replay: string[];
  onMiss: "next" | "404";
}

const VALUE_FLAGS = new Set(["port", "hostname", "token", "allow-origin", "allow-host", "record", "max-body", "max-total-body", "journal-size", "heartbeat", "replay", "on-miss"]);
const BOOLEAN_FLAGS = new Set(["takeover", "no-takeover", "json", "redact", "no-redact", "resettable-connections", "help", "h"]);
const MiB = 1024 * 1024;
export const DEFAULT_MAX_BODY: number = 10 * MiB;
export const DEFAULT_PORT = 9000;

/** Reads the flags from the raw arguments; throws an Error whose message is what to tell the user. */
export function readHubFlags(rawArgs: string[]): HubFlags {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (!arg.startsWith("-") || arg === "-") throw new Error(`unexpected argument '${arg}'`);
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
      throw new Error(`unknown flag ${rawName}`);
    }
  }
  for (const name of ["port", "hostname", "token", "record", "max-body", "max-total-body", "journal-size", "heartbeat", "on-miss"]) {
    if ((values.get(name)?.length ?? 0) > 1) throw new Error(`--${name} given more than once`);
  }
  const flags: HubFlags = {
    port: resolvePort(values.get("port")?.[0]),
    hostname: values.get("hostname")?.[0],
    token: checkToken(values.get("token")?.[0]),
    allowedOrigins: (values.get("allow-origin") ?? []).map(checkOrigin),
    allowedHosts: (values.get("allow-host") ?? []).map(checkHost),
    takeover: !booleans.has("no-takeover"),
    json: booleans.has("json"),
    resettableConnections: booleans.has("resettable-connections"),
    ...recordingFlags(values),
    heartbeat: heartbeatFlag(values.get("heartbeat")?.[0]),
    redact: !booleans.has("no-redact"),
    replay: values.get("replay") ?? [],
    onMiss: onMissFlag(values.get("on-miss")?.[0], values.has("replay")),
  };
  checkHostname(flags.hostname, "--hostname", (message) => new Error(message));
  checkHostname(flags.hostname === undefined ? readEnv("CROSSIPC_HOSTNAME") || undefined : undefined, "CROSSIPC_HOSTNAME", (message) => new Error(message));
  checkExposure(flags);
  return flags;
}

/**
 * What would open the hub to strangers is refused, not warned about: `--allow-origin '*'` lets
 * every web page register `/` and divert all traffic, and an address beyond loopback lets every
 * machine that reaches it in. Either needs a token (`--token` or `CROSSIPC_ACCESS_TOKEN`).
 */
function checkExposure(flags: HubFlags): void {
  // A blank token was refused by checkToken already.
  const token = flags.token ?? (readEnv("CROSSIPC_ACCESS_TOKEN") || undefined);
  if (token !== undefined) return;
  if (flags.allowedOrigins.includes("*")) {
    throw new Error("--allow-origin '*' lets every web page open the framework connection and divert all traffic: add --token T, or name your pages' origins");
  }
  const hostname = flags.hostname ?? (readEnv("CROSSIPC_HOSTNAME") || undefined);
  if (hostname !== undefined && !isLoopback(hostname)) {
    throw new Error(`--hostname ${hostname} opens the hub beyond this machine: add --token T (or set CROSSIPC_ACCESS_TOKEN), or bind 127.0.0.1`);
  }
}

function onMissFlag(value: string | undefined, replaying: boolean): "next" | "404" {
  if (value === undefined) return "next";
  if (!replaying) throw new Error("--on-miss applies to replays: give --replay FILE.har too");
  if (value !== "next" && value !== "404") throw new Error(`--on-miss must be next or 404, got '${value}'`);
  return value;
}

function recordingFlags(values: Map<string, string[]>): { record?: string; maxBody: number; maxTotalBody: number; journalSize?: number } {
  const record = values.get("record")?.[0];
  const maxBody = values.get("max-body")?.[0];
  const maxTotalBody = values.get("max-total-body")?.[0];
  const journalSize = values.get("journal-size")?.[0];
  if (maxBody !== undefined && record === undefined) throw new Error("--max-body applies to a recording: give --record FILE.har too");
  if (maxTotalBody !== undefined && record === undefined) throw new Error("--max-total-body applies to a recording: give --record FILE.har too");
  if (record !== undefined && !record.toLowerCase().endsWith(".har") && !record.toLowerCase().endsWith(".json")) {
    throw new Error(`--record takes a file name ending in .har, got '${record}'`);
  }
  return {
    record,
    maxBody: maxBody === undefined ? DEFAULT_MAX_BODY : parseBytes(maxBody, "--max-body"),
    maxTotalBody: maxTotalBody === undefined ? DEFAULT_MAX_TOTAL_BODY : parseBytes(maxTotalBody, "--max-total-body"),
    journalSize: journalSize === undefined ? undefined : parseCount(journalSize, "--journal-size", MAX_JOURNAL_SIZE),
  };
}

/** `1048576`, `64KiB`, `10MiB`, `1GiB` (k/m/g and kb/mb/gb read the same). */
function parseBytes(text: string, flag: string): number {
  const what = "a size in bytes such as 1048576 or 10MiB";
  // The digits are read as every number flag's (./_numberFlag.ts); the unit is this flag's own.
  const match = /^(.*?)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text);
  const unit = { k: 1024, m: MiB, g: 1024 * MiB }[(match?.[2]?.[0] ?? "").toLowerCase() as "k" | "m" | "g"] ?? 1;
  const bytes = numberFlag(match?.[1] ?? text, flag, () => new Error(`${flag} must be ${what}, got '${text}'`), { whole: true }) * unit;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`${flag} must be ${what}, got '${text}'`);
  return bytes;
}

/**
 * Whole seconds, 1 to 960: 0 would turn dead-peer detection off, which a hub must not; Bun's
 * WebSocket takes at most 960 (a Bun hub given more failed to start), and one bound serves every runtime.
 */
function heartbeatFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseCount(text, "--heartbeat");
  if (seconds > MAX_HEARTBEAT_SECONDS) throw new Error(`--heartbeat must be at most ${MAX_HEARTBEAT_SECONDS} seconds, got '${text}'`);
  return seconds;
}

function parseCount(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const what = "a positive whole number";
  const count = numberFlag(text, flag, (message) => new Error(message), { whole: true, what });
  if (count < 1) throw new Error(`${flag} must be ${what}, got '${text}'`);
  if (count > max) throw new Error(`${flag} must be at most ${max}, got '${text}'`);
  return count;
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
  const what = "a port number (0-65535)";
  const port = numberFlag(text, source, (message) => new Error(message), { whole: true, what });
  if (port > 65535) throw new Error(`${source} must be ${what}, got '${text}'`);
  return port;
}

/**
 * A blank token would guard nothing a person could tell apart (`--token ' '`); the library
 * refuses a blank `CROSSIPC_ACCESS_TOKEN` too, which is said here as a usage error.
 */
function checkToken(token: string | undefined): string | undefined {
  if (token !== undefined && token.trim() === "") throw new Error("--token must not be blank");
  const fromEnv = token === undefined ? readEnv("CROSSIPC_ACCESS_TOKEN") : undefined;
  if (fromEnv && fromEnv.trim() === "") throw new Error("CROSSIPC_ACCESS_TOKEN must not be blank (unset it, or set a token)");
  return token;
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

/** A name as the Host header carries it (no scheme, no port, no path). */
function checkHost(host: string): string {
  const name = host.toLowerCase();
  const labels = (name.startsWith(".") ? name.slice(1) : name).split(".");
  if (labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) return name;
  throw new Error(`--allow-host must be a host name such as myapp.test (or .myapp.test for its subdomains), got '${host}'`);
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
