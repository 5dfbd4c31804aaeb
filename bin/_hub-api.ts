/**
 * What `crossipc status` and `crossipc journal` share: finding the hub on its known port and
 * reading its JSON API (`/__crossipc/api/…`) with ofetch.
 */
import { FetchError, ofetch } from "ofetch";
import { defineCommand, type ArgsDef, type CommandDef, type ParsedArgs } from "citty";
import { AnswerBoundError, boundedFetch, type AnswerBounds } from "./_bounded-fetch.ts";
import { neverPrint, printable } from "./_printable.ts";
import { missingDenoNet, readEnv } from "./_runtime.ts";
import { checkHostname } from "./_hostnameFlag.ts";
import { numberFlag } from "./_numberFlag.ts";

/** Flags every command that talks to a running hub takes. */
export interface HubArgs extends ArgsDef {
  port: { type: "string"; description: string; valueHint: string };
  hostname: { type: "string"; description: string; default: string; valueHint: string };
  token: { type: "string"; description: string; valueHint: string };
  json: { type: "boolean"; description: string; default: boolean };
}

export const hubArgs: HubArgs = {
  port: {
    type: "string",
    description: "Port of the hub (default: CROSSIPC_HUB_PORT, then GG_LOCAL_ROUTER_PORT, then 9000)",
    valueHint: "port",
  },
  hostname: { type: "string", description: "Address of the hub", default: "127.0.0.1", valueHint: "host" },
  token: { type: "string", description: "The hub's access token (default: CROSSIPC_ACCESS_TOKEN, which, unlike a flag, other users cannot see in ps)", valueHint: "token" },
  json: { type: "boolean", description: "Print JSON instead of text", default: false },
};

/** The variables `resolveHub` reads, through `readEnv` (under Deno without `--allow-env`: unset, not a crash). */
function hubEnv(): Record<string, string | undefined> {
  const names = ["CROSSIPC_HUB_PORT", "GG_LOCAL_ROUTER_PORT", "CROSSIPC_ACCESS_TOKEN"];
  return Object.fromEntries(names.map((name) => [name, readEnv(name)]));
}

/** A mistake on the command line: reported with a pointer to `--help`. */
export class UsageError extends Error {}

export interface Hub {
  base: string;
  token: string | undefined;
  /** Where the token came from, for a refusal to name: a wrong token is not a missing one. */
  tokenFrom?: "--token" | "CROSSIPC_ACCESS_TOKEN";
}

export function resolveHub(args: { port?: string; hostname?: string; token?: string }, env: Record<string, string | undefined> = hubEnv()): Hub {
  const [source, raw] =
    args.port !== undefined
      ? ["--port", args.port]
      : env["CROSSIPC_HUB_PORT"]
        ? ["CROSSIPC_HUB_PORT", env["CROSSIPC_HUB_PORT"]]
        : env["GG_LOCAL_ROUTER_PORT"]
          ? ["GG_LOCAL_ROUTER_PORT", env["GG_LOCAL_ROUTER_PORT"]]
          : ["the default", "9000"];
  const what = "a port number from 1 to 65535";
  const port = numberFlag(raw, source, (message) => new UsageError(message), { whole: true, what });
  if (port < 1 || port > 65535) throw new UsageError(`${source} must be ${what}, got '${raw}'`);
  if (args.token !== undefined && args.token.trim() === "") throw new UsageError("--token must not be blank");
  checkHostname(args.hostname, "--hostname", (message) => new UsageError(message));
  const hostname = args.hostname || "127.0.0.1";
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  const token = args.token ?? (env["CROSSIPC_ACCESS_TOKEN"] || undefined);
  neverPrint(token);
  const tokenFrom = token === undefined ? undefined : args.token !== undefined ? "--token" : "CROSSIPC_ACCESS_TOKEN";
  return { base: `http://${host}:${port}`, token, ...(tokenFrom && { tokenFrom }) };
}

/**
 * What a JSON answer may take: the hub sends a journal of 1,000,000 entries (the most
 * `--journal-size` keeps) in well under this, and 256 MiB is more than that journal's JSON
 * without bodies; past it, `--limit` reads the newest entries, `--har` streams them all.
 */
const JSON_BOUNDS: AnswerBounds = { idleMs: 5_000, waitMs: 60_000, maxBytes: 256 * 2 ** 20 };
/** A HAR is streamed to stdout as it comes, so its size is not held: only the hub's pauses are bounded. */
const STREAM_BOUNDS: AnswerBounds = { idleMs: 5_000, waitMs: 600_000, maxBytes: Number.POSITIVE_INFINITY };
const jsonFetch = ofetch.create({}, { fetch: boundedFetch(JSON_BOUNDS) });
const streamFetch = ofetch.create({}, { fetch: boundedFetch(STREAM_BOUNDS) });

/** What `parseResponse` gives for an answer that is not JSON (ofetch's default, destr, gives the text itself). */
const NOT_JSON = Symbol("not JSON");
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * The hub's answer as the command reads it; an answer of another shape (not a crossipc hub, or
 * another version) says so in one sentence instead of a TypeError from deep in the printing.
 */
export function readAnswer<T>(hub: Hub, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new Error(`the hub at ${hub.base} answered JSON this crossipc cannot read (${error instanceof Error ? error.message : String(error)}): is it a crossipc hub of the same version?`);
  }
}

/**
 * GET a JSON API path of the hub; any failure becomes one sentence a person can act on. `expect`
 * checks the answer's shape (the fields the command reads first).
 */
export async function getJson<T>(hub: Hub, path: string, query: Record<string, string | number | undefined>, expect: (answer: any) => boolean): Promise<T> {
  const answer = await hubGet<unknown>(hub, path, query, "json");
  return readAnswer(hub, () => {
    if (answer === null || typeof answer !== "object" || !expect(answer)) throw new Error(`not the answer of ${path}`);
    return answer as T;
  });
}

/** GET a path of the hub as a byte stream (a HAR can be larger than one string); failures as in `getJson`. */
export function getStream(hub: Hub, path: string, query: Record<string, string | number | undefined> = {}): Promise<ReadableStream<Uint8Array>> {
  return hubGet<ReadableStream<Uint8Array>>(hub, path, query, "stream");
}

/** The token as a header, not `?token=`: a query ends up in logs, proxies' records and error messages. */
function authorization(hub: Hub): Record<string, string> | undefined {
  return hub.token === undefined ? undefined : { authorization: `Bearer ${hub.token}` };
}

async function hubGet<T>(hub: Hub, path: string, query: Record<string, string | number | undefined>, responseType: "json" | "stream"): Promise<T> {
  mayDial(hub);
  try {
    const fetcher = responseType === "json" ? jsonFetch : streamFetch;
    const answer = await fetcher(`${hub.base}${path}`, {
      query,
      headers: authorization(hub),
      retry: 0,
      timeout: 5000,
      responseType,
      parseResponse: responseType === "json" ? parseJson : undefined,
    });
    if (answer === NOT_JSON) throw new AnswerBoundError("answered something that is not JSON");
    return answer as T;
  } catch (error) {
    throw new Error(explain(hub, error));
  }
}

/** POST (a JSON body) or DELETE on a JSON API path of the hub; failures and `expect` as `getJson`'s. */
export async function sendJson<T>(hub: Hub, method: "POST" | "DELETE", path: string, body: unknown, expect: (answer: any) => boolean): Promise<T> {
  mayDial(hub);
  let answer: unknown;
  try {
    answer = await jsonFetch(`${hub.base}${path}`, {
      method,
      headers: authorization(hub),
      // ofetch sends an object body as JSON with content-type: application/json, which the faults API requires.
      body: body as Record<string, unknown> | undefined,
      retry: 0,
      timeout: 5000,
      responseType: "json",
      parseResponse: parseJson,
    });
    if (answer === NOT_JSON) throw new AnswerBoundError("answered something that is not JSON");
  } catch (error) {
    throw new Error(explain(hub, error));
  }
  return readAnswer(hub, () => {
    if (answer === null || typeof answer !== "object" || !expect(answer)) throw new Error(`not the answer of ${method} ${path}`);
    return answer as T;
  });
}

/** Throws, naming the flag, when Deno may not dial the hub: asked first, it never prompts (see missingDenoNet). */
function mayDial(hub: Hub): void {
  const denied = missingDenoNet(hub.base);
  if (denied) throw new Error(`Deno may not reach the hub at ${hub.base}: run with --allow-net=${denied} (crossipc never lets Deno prompt)`);
}

/** The most of the hub's own error message a failure line quotes. */
const MAX_SAID = 500;

function explain(hub: Hub, error: unknown): string {
  if (error instanceof AnswerBoundError) return `the hub at ${hub.base} ${error.message}`;
  if (!(error instanceof FetchError)) return `cannot read ${hub.base}: ${String(error)}`;
  const status = error.response?.status;
  // What the hub said, if it said a string: the rest of this function reads it as one.
  const quoted = (error.data as { error?: unknown } | undefined)?.error;
  const said = typeof quoted !== "string" ? undefined : quoted.length > MAX_SAID ? `${quoted.slice(0, MAX_SAID)}…` : quoted;
  if (status === 401) {
    const what = hub.tokenFrom === undefined ? "needs its access token: pass --token (or set CROSSIPC_ACCESS_TOKEN)" : `refused the access token of ${hub.tokenFrom}: is it the one this hub was started with?`;
    return `the hub at ${hub.base} ${what}${said ? ` (${said})` : ""}`;
  }
  // The hub's own 404s name what is missing (an unknown fault id); "No route for" is the 404 of a server without the dashboard API.
  if (status === 404 && (!said || said.startsWith("No route for "))) return `${hub.base} answers, but serves no dashboard API: is it a crossipc hub (crossipc hub, or an IPCServer not created with dashboard: false)?`;
  if (status !== undefined) return `the hub at ${hub.base} answered ${status}${said ? `: ${said}` : ""}`;
  return `no hub answers at ${hub.base} (${rootCause(error)}). Start one with \`crossipc hub\`, or pass --port`;
}

/** The system code (ECONNREFUSED…) or message at the bottom of fetch's "fetch failed" chain. */
function rootCause(error: Error): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const next = (current as { cause?: unknown }).cause;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("E")) return code;
    if (next === undefined || next === null) break;
    current = next;
  }
  return (current as Error).message ?? String(current);
}

/**
 * What citty would let through in silence, as one sentence for the user, or undefined. Its parser is
 * not strict: a misspelt flag did nothing, a stray word was ignored (`crossipc status extra`), a
 * value flag with no value filtered nothing (`crossipc journal --method` printed every entry) or
 * took the next flag as its value (`--method --port 9001` asked the hub on 9000), the second of
 * two values won, and a switch took any value (`--json=no` printed JSON). `crossipc hub` refuses
 * each of them (./_hubArgs.ts); so do the commands that talk to it. `positionals`: the command
 * reads words itself (`crossipc fault --clear <id>`).
 */
export function usageProblem(rawArgs: string[], args: ArgsDef, { positionals = false }: { positionals?: boolean } = {}): string | undefined {
  // Each name a flag may be written with, and the flag it is.
  const flags = new Map<string, { name: string; type: string }>([["help", { name: "help", type: "boolean" }], ["h", { name: "help", type: "boolean" }]]);
  for (const [name, def] of Object.entries(args)) {
    flags.set(name, { name, type: def.type ?? "string" });
    if (def.type === "boolean") flags.set(`no-${name}`, { name, type: "boolean" });
    for (const alias of [def["alias" as keyof typeof def] ?? []].flat() as string[]) flags.set(alias, { name, type: def.type ?? "string" });
  }
  const given = new Set<string>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return positionals || i === rawArgs.length - 1 ? undefined : `unexpected argument '${rawArgs[i + 1]}'`;
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      if (!positionals) return `unexpected argument '${arg}'`;
      continue;
    }
    const eq = arg.indexOf("=");
    const written = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    // Short flags may be bundled (-fj): each letter must be a known switch.
    const names = written.startsWith("--") ? [written.slice(2)] : [...written.slice(1)];
    const found = names.map((name) => flags.get(name));
    if (found.some((flag) => flag === undefined)) return `unknown flag ${arg}`;
    if (found.length === 1 && found[0]!.type === "string") {
      const { name } = found[0]!;
      // citty takes the next word as the value, whatever it is: a flag there means this one has none.
      const value = inline ?? rawArgs[++i];
      if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) return `--${name} needs a value`;
      if (given.has(name)) return `--${name} given more than once`;
      given.add(name);
    } else if (inline !== undefined && inline !== "true" && inline !== "false") {
      return `${written} takes no value`;
    }
  }
  return undefined;
}

/**
 * A command that talks to the running hub: citty's command with the checks every such command
 * makes (a flag it does not know, or would ignore, is a usage error: see usageProblem) and its way
 * of failing (`fail`). `run` gets the flags.
 */
// `any`: the entry (bin/crossipc.ts) takes commands of every args shape, as citty's SubCommandsDef does.
export function hubCommand<A extends ArgsDef>(
  name: string,
  description: string,
  args: A,
  run: (given: ParsedArgs<A>) => Promise<void>,
  options: { positionals?: boolean } = {},
): CommandDef<any> {
  return defineCommand({
    meta: { name, description },
    args,
    async run({ args: given, rawArgs }) {
      try {
        const problem = usageProblem(rawArgs, args, options);
        if (problem) throw new UsageError(problem);
        await run(given);
      } catch (error) {
        fail(name, error);
      }
    },
  });
}

/** Reports a failure the way every command does: one line on stderr, exit code 1 (2 for usage). */
export function fail(command: string, error: unknown): void {
  // The message may quote what the hub said: its control characters are printed escaped.
  const message = printable(error instanceof Error ? error.message : String(error));
  process.stderr.write(`crossipc ${command}: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`Run \`crossipc ${command} --help\` for its flags.\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
