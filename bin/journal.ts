/** `crossipc journal [--follow | --har]`: what the running hub handled, one line per entry, or as a HAR file. */
import { defineCommand, type CommandDef } from "citty";
import type { JournalEntry } from "../src/server/journal.ts";
import { AnswerBoundError } from "./_bounded-fetch.ts";
import { printable, withoutSecret } from "./_printable.ts";
import { terminalSafeJson } from "../src/server/_json.ts";
import { fail, getJson, getStream, hubArgs, readAnswer, resolveHub, UsageError, usageProblem, type Hub } from "./_hub-api.ts";
import { numberFlag } from "./_numberFlag.ts";

const args = {
  ...hubArgs,
  follow: { type: "boolean", alias: "f", description: "Keep printing new entries as they come (Ctrl-C stops)", default: false },
  method: { type: "string", description: "Only this HTTP method", valueHint: "GET" },
  path: { type: "string", description: "Only this path (`*` matches anything: /users/*)", valueHint: "path" },
  status: { type: "string", description: "Only this status (404) or class (5xx)", valueHint: "status" },
  client: { type: "string", description: "Only this clientId or runtimeId", valueHint: "id" },
  kind: { type: "string", description: "Only this kind: http, websocket or framework", valueHint: "kind" },
  har: { type: "boolean", description: "Print the HTTP entries as HAR 1.2 (crossipc journal --har > session.har)", default: false },
  scope: { type: "string", description: "Only requests of this scope (connectMocks' scope id)", valueHint: "id" },
  limit: { type: "string", description: "At most this many of the newest entries (before following)", valueHint: "n" },
} as const;

/** How often `--follow` asks the hub for new entries. */
const FOLLOW_MS = 500;

interface JournalPage {
  enabled: boolean;
  lastId: number;
  entries: JournalEntry[];
}

// `any`: the entry (bin/crossipc.ts) takes commands of every args shape, as citty's SubCommandsDef does.
const command: CommandDef<any> = defineCommand({
  meta: { name: "journal", description: "Print what the running hub handled: HTTP requests, WebSocket upgrades, framework requests" },
  args,
  async run({ args: given, rawArgs }) {
    try {
      const problem = usageProblem(rawArgs, args);
      if (problem) throw new UsageError(problem);
      if (given.limit !== undefined) numberFlag(given.limit, "--limit", (message) => new UsageError(message), { whole: true, what: "a whole number (0 or more)" });
      if (given.status !== undefined && !/^(\d{3}|[1-5]xx)$/.test(given.status)) {
        throw new UsageError(`--status must be a status (404) or a class (5xx), got '${given.status}'`);
      }
      if (given.kind !== undefined && !["http", "websocket", "framework"].includes(given.kind)) {
        throw new UsageError(`--kind must be http, websocket or framework, got '${given.kind}'`);
      }
      if (given.har && given.follow) throw new UsageError("--har writes one file: it takes no --follow");
      const hub = resolveHub(given);
      const filter = { method: given.method, path: given.path, status: given.status, client: given.client, kind: given.kind, scope: given.scope };
      if (given.har) return await printHar(hub, { ...filter, limit: given.limit });
      // A line shows no body: the hub need not send the ones it recorded (megabytes under --record).
      const read = given.json ? filter : { ...filter, bodies: "0" };
      const first = await getJson<JournalPage>(hub, "/__crossipc/api/journal", { ...read, limit: given.limit }, isPage);
      if (!first.enabled) process.stderr.write("crossipc journal: the hub's journal is off (journal: false)\n");
      print(hub, first.entries, given.json);
      if (given.follow) await follow(hub, read, first.lastId, given.json);
    } catch (error) {
      fail("journal", error);
    }
  },
});

export default command;

/**
 * How the hub's HAR begins (src/har/_fromJournal.ts writes it so). Whatever else holds the port (a
 * web server's page, an empty 200) was copied to stdout with exit 0, into the user's session.har.
 */
const HAR_START = '{"log":{"version":"1.2",';

/** The hub's HAR, streamed to stdout as it comes, once its first bytes show it is one. */
async function printHar(hub: Hub, filter: Record<string, string | undefined>): Promise<void> {
  const body = await getStream(hub, "/__crossipc/api/journal.har", filter);
  // The first bytes, held until HAR_START's length has come; undefined once they were written.
  let head: Uint8Array | undefined = new Uint8Array(0);
  const controls = new ControlCheck();
  try {
    for await (let chunk of body as unknown as AsyncIterable<Uint8Array>) {
      if (head !== undefined) {
        head = concat(head, chunk);
        if (head.length < HAR_START.length) continue;
        checkHarStart(head);
        controls.check(head);
        [chunk, head] = [head, undefined];
      } else controls.check(chunk);
      if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    if (head !== undefined) checkHarStart(head); // shorter than HAR_START: never a HAR
  } catch (error) {
    const why = error instanceof AnswerBoundError ? error.message : `broke off its answer (${String(error)})`;
    // Once part of the HAR is out, the line on stderr says it is cut short, and why.
    throw new Error(`${head === undefined ? "the HAR printed is cut short: " : ""}the hub at ${hub.base} ${why}`);
  }
}

function checkHarStart(head: Uint8Array): void {
  if (new TextDecoder().decode(head.subarray(0, HAR_START.length)) !== HAR_START) {
    throw new AnswerBoundError("answered something that is not a HAR (is it a crossipc hub?)");
  }
}

/**
 * What a crossipc hub's HAR never holds, checked before each piece is written, in one pass over
 * bytes already in hand: a C0 control byte but the line feed the hub ends its lines with (JSON
 * escapes them in strings, and the hub writes no tab or CR between tokens), and a C1 control
 * (U+0080–U+009F, the bytes C2 80–C2 9F), which the hub writes escaped. Whatever else answers with
 * the HAR's first bytes could send ESC sequences (a window title, the clipboard by OSC 52, a
 * hidden link by OSC 8), their C1 forms (U+009B is CSI), or a CR that takes the cursor back to
 * overwrite what the terminal showed: they reached a terminal as they came.
 */
class ControlCheck {
  /** The last piece ended with the first byte of a two-byte character: C1 controls start with C2. */
  #afterC2 = false;

  check(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.#afterC2 && byte >= 0x80 && byte <= 0x9f) refuse(`U+00${byte.toString(16).toUpperCase()}`);
      this.#afterC2 = byte === 0xc2;
      if (byte < 0x20 && byte !== 0x0a) refuse(`0x${byte.toString(16).padStart(2, "0")}`);
    }
  }
}

function refuse(what: string): never {
  throw new AnswerBoundError(`sent a control character (${what}) that the hub's HAR never holds (is it a crossipc hub?)`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

async function follow(hub: Hub, filter: Record<string, string | undefined>, lastId: number, json: boolean): Promise<never> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
    // `after` is an id: entries the filter skipped still move it on, so ask for everything's lastId.
    const page = await getJson<JournalPage>(hub, "/__crossipc/api/journal", { ...filter, after: lastId }, isPage);
    print(hub, page.entries, json);
    // A cleared journal (or a restarted hub) starts its ids lower than where we were.
    lastId = page.lastId < lastId ? 0 : page.lastId;
  }
}

/** The fields of a journal page this command reads first. */
function isPage(page: Partial<JournalPage>): boolean {
  return Array.isArray(page.entries) && typeof page.lastId === "number";
}

function print(hub: Hub, entries: JournalEntry[], json: boolean): void {
  if (entries.length === 0) return;
  const text = readAnswer(hub, () => entries.map((entry) => (json ? withoutSecret(terminalSafeJson(entry)) : line(entry))).join("\n"));
  process.stdout.write(`${text}\n`);
}

/**
 * One entry as one line: `12:00:01.123 http GET /users/7 → intercept GET /users/:id 200 0.4ms 10 B`.
 * Control characters anywhere in it (a path, a runtimeId, an error) are printed escaped.
 */
export function line(e: JournalEntry): string {
  // A hub of another shape: its line read "Invalid .NaN  undefined undefined →  error NaNms", exit 0.
  if (typeof e.time !== "number" || typeof e.durationMs !== "number" || typeof e.kind !== "string") throw new Error("an entry is not of the journal's shape");
  const time = new Date(e.time).toTimeString().slice(0, 8) + `.${String(e.time % 1000).padStart(3, "0")}`;
  const what = e.kind === "framework" ? `${e.direction} ${e.path}` : `${e.method} ${e.path}`;
  const taken =
    e.takenBy === "intercept" ? `intercept ${e.route}` : e.takenBy === "mock" || e.takenBy === "replay" ? `${e.takenBy} ${e.rule} ${e.route}` : e.takenBy === "proxy" ? `proxy ${e.target}` : e.takenBy === "none" ? (e.kind === "framework" ? "no handler" : "no route") : e.takenBy;
  const outcome = e.status !== undefined ? String(e.status) : e.ok ? "ok" : "error";
  const client = e.runtimeId ?? e.clientId;
  const parts = [time, e.kind, what, "→", taken, outcome];
  if (client) parts.push(`[${client}]`);
  if (e.scope) parts.push(`scope ${e.scope}`);
  parts.push(`${e.durationMs < 10 ? e.durationMs.toFixed(2) : Math.round(e.durationMs)}ms`);
  if (e.responseSize !== undefined) parts.push(`${e.responseSize} B`);
  if (e.error && !(e.takenBy === "none" && e.kind === "framework")) parts.push(`(${e.error})`);
  return printable(parts.join(" "));
}
