/**
 * `crossipc hub`: the local service hub as a command. Services register path prefixes over
 * the framework connection (grest-ts's discovery requests) and the hub proxies HTTP and
 * WebSocket traffic to them. When the port is taken it asks the hub holding it to yield, as
 * grest-ts's `discovery-local` bin does, and takes over.
 */
import { readFileSync, statSync } from "node:fs";
import process from "node:process";
import { defineCommand, type CommandDef } from "citty";
import type { HubEvent, ServiceHub } from "../src/index.ts";
import type { JournalOptions } from "../src/server/journal.ts";
import { MAX_HAR_TEXT, parseHarText } from "../src/replay/_load.ts";
import type { Replay } from "../src/replay/Replay.ts";
import { readHubFlags, hubArgs, type HubFlags } from "./_hubArgs.ts";
import { printer, type CliEvent } from "./_hubOutput.ts";
import { neverPrint, printable } from "./_printable.ts";
import { checkRecordingTarget, startRecording, type Recording } from "./_record.ts";
import { exit, loadCrossipc, missingDenoFileAccess, onStopSignal, readEnv, runtime, type Crossipc } from "./_runtime.ts";

/** How long a takeover keeps retrying the bind while the old hub lets go. */
const TAKEOVER_MS = 5000;
const RETRY_BIND_MS = 20;
/** The old hub is asked again this often, in case the first request was lost. */
const ASK_AGAIN_MS = 1000;

const hub: CommandDef<typeof hubArgs> = defineCommand({
  meta: { name: "hub", description: "Run the local service hub (a drop-in for grest-ts's discovery-local)" },
  args: hubArgs,
  async run({ rawArgs }) {
    let flags: HubFlags;
    try {
      flags = readHubFlags(rawArgs);
    } catch (error) {
      console.error(`crossipc hub: ${printable((error as Error).message)}\nRun 'crossipc hub --help' for the options.`);
      exit(2);
    }
    await runHub(flags);
  },
});
export default hub;

async function runHub(flags: HubFlags): Promise<void> {
  // A promise nobody awaited (a runtime's server loop, a service's socket) must not take the
  // whole hub down with every service behind it: it is reported and the hub keeps serving.
  process.on("unhandledRejection", (reason) => console.error(`crossipc hub: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`));
  // One line, as for a bad flag (citty would print the stack): e.g. Node 18, which crossipc refuses.
  const crossipc = await loadCrossipc().catch((error: Error) => {
    console.error(printable(`crossipc hub: ${error.message}`));
    return exit(1);
  });
  const print = printer(flags.json);
  // The hub's token, wherever a log line quotes it (a proxied request's `?key=T` in "Proxy to … failed"):
  // `[redacted]`, as the journal shows it. The start line's dashboard URL, which the user asked for, keeps its key.
  neverPrint(flags.token ?? (readEnv("CROSSIPC_ACCESS_TOKEN") || undefined));
  // A signal before the port is bound (reading recordings, waiting up to 5 s for another hub to
  // yield) ends the command as one after it does: one line and exit 0. Without a handler yet it
  // died of the signal (exit 130/143), and a Bun started by a shell script (SIGINT ignored)
  // waited out the 5 s and failed.
  let stop = (signal?: string): void | Promise<void> => {
    print({ type: "stopped", port: flags.port, signal, bound: false });
    exit(0);
  };
  onStopSignal((signal) => void stop(signal));
  // Every recording is read and checked, and the --record file's folder tried, before the port is bound or a running hub asked to yield.
  const recordings = readRecordings(crossipc, flags.replay);
  if (flags.record !== undefined) {
    try {
      const warning = checkRecordingTarget(flags.record);
      if (warning) console.error(printable(`crossipc hub: --record ${warning}`));
    } catch (error) {
      console.error(printable(`crossipc hub: --record ${flags.record}: cannot write it: ${(error as Error).message}`));
      exit(2);
    }
  }
  const hub = await bind(crossipc, flags, print);
  // The last given is asked first, and a replay with onMiss 404 answers every request it lacks:
  // given to each file, the last one's 404 hid every other file's recordings. Only the first
  // (asked last) answers 404; the others hand a request they lack on to the next file.
  const replays = recordings.map(({ file, har }, at) => ({ file, replay: hub.server.replay(har, { name: file, onMiss: at === 0 ? flags.onMiss : "next" }) as Replay }));
  // Its 404 names the closest request over every file: the others handed it the request (bounded as one recording's is).
  if (flags.onMiss === "404" && replays.length > 1) replays[0]!.replay.closestAlsoIn(replays.slice(1).map(({ replay }) => replay));
  const port = hub.getPort();
  hub.onEvent((event: HubEvent) => print(event));
  const recording = flags.record === undefined ? undefined : startRecording(hub.server.journal, flags.record);
  let stopping = false;
  stop = async (signal?: string) => {
    if (stopping) return;
    stopping = true;
    const saved = recording ? finishRecording(recording) : true;
    await hub.teardown().catch((error: Error) => console.error(printable(`crossipc hub: teardown failed: ${error.message}`)));
    print({ type: "stopped", port, signal });
    exit(saved ? 0 : 1);
  };
  // Another hub asked for the port: ServiceHub has printed "yielded"; free the port and leave.
  hub.onYield = () => stop();
  if (!flags.redact) {
    console.error(
      `crossipc hub: --no-redact: authorization, proxy-authorization, cookie and set-cookie values, API keys, tokens and passwords are kept as sent` +
        (flags.record ? `; ${flags.record} will hold them` : ""),
    );
  }

  // The key (the token, or a secret of this run) goes to the user's own terminal only, as
  // Jupyter prints its URL: pages served through the hub cannot learn it. A token that came from
  // CROSSIPC_ACCESS_TOKEN is not printed: the user never showed it, and the line may land in a CI log.
  const dashboard = flags.token === undefined && readEnv("CROSSIPC_ACCESS_TOKEN") ? `${hub.getUrl()}/__crossipc/ (add #key=<CROSSIPC_ACCESS_TOKEN>)` : hub.getDashboardUrl();
  print({ type: "started", url: hub.getUrl(), dashboard, port, runtime });
  for (const { file, replay } of replays) print({ type: "replaying", file, entries: replay.size, skipped: replay.skipped });
}

/** Reads each `--replay` file and checks it as a replay would; a bad one ends the command (exit 2) naming the file and entry. */
function readRecordings(crossipc: Crossipc, files: string[]): Array<{ file: string; har: unknown }> {
  return files.map((file) => {
    try {
      const missing = missingDenoFileAccess([{ name: "read", path: file }]);
      if (missing.length) throw new Error(`Deno needs ${missing.join(" ")} to read it`);
      const size = statSync(file).size;
      if (size > MAX_HAR_TEXT) throw new Error(`${Math.round(size / 1048576)} MiB is more than a replay reads (${MAX_HAR_TEXT / 1048576} MiB): split the recording`);
      const har: unknown = parseHarText(readFileSync(file, "utf8"));
      crossipc.checkHar(har);
      return { file, har };
    } catch (error) {
      // A recording is a file that gets shared: its errors quote what it holds (C1 and bidi controls
      // survive the JSON quoting of a value), which went to the terminal as it was.
      console.error(printable(`crossipc hub: --replay ${file}: ${(error as Error).message}`));
      exit(2);
    }
  });
}

/** Writes the recording one last time and says what it holds; false when it could not be written. */
function finishRecording(recording: Recording): boolean {
  try {
    console.error(recording.summary(recording.save()));
    return true;
  } catch (error) {
    console.error(printable(`crossipc hub: ${(error as Error).message}`));
    return false;
  }
}

/** The journal a hub keeps: bodies when recording, secrets kept only when asked. */
function journalOptions(flags: HubFlags): JournalOptions & { redact?: false } {
  return {
    ...(flags.record !== undefined ? { bodies: true, maxBodySize: flags.maxBody, maxTotalBodySize: flags.maxTotalBody } : {}),
    ...(flags.journalSize !== undefined ? { size: flags.journalSize } : {}),
    ...(flags.redact ? {} : { redact: false as const }),
  };
}

/** Binds the port, asking a hub that holds it to yield (unless `--no-takeover`). */
async function bind(crossipc: Crossipc, flags: HubFlags, print: (event: CliEvent) => void): Promise<ServiceHub> {
  const deadline = Date.now() + TAKEOVER_MS;
  let askedAt = 0;
  let refusal: string | undefined;
  for (;;) {
    const hub = create(crossipc, flags);
    let started: boolean;
    try {
      started = await hub.start();
    } catch (error) {
      fail(`cannot listen on ${flags.hostname ?? "127.0.0.1"}:${flags.port}: ${(error as Error).message}`);
    }
    if (started) return hub;
    if (!flags.takeover) fail(`port ${flags.port} is already in use (run without --no-takeover to take it over from the hub holding it)`);
    if (Date.now() > deadline) {
      fail(`port ${flags.port} is still in use after ${TAKEOVER_MS / 1000} s${refusal ? `; the holder did not yield: ${refusal}` : ""}`);
    }
    if (Date.now() - askedAt >= ASK_AGAIN_MS) {
      if (askedAt === 0) print({ type: "takingOver", port: flags.port });
      askedAt = Date.now();
      refusal = await askToYield(crossipc, flags);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_BIND_MS));
  }
}

/** The hub; options the library refuses (insecure exposure from the environment) exit 2 with its one line. */
function create(crossipc: Crossipc, flags: HubFlags): ServiceHub {
  try {
    return new crossipc.ServiceHub(flags.port, {
      kind: "bin",
      hostname: flags.hostname,
      accessToken: flags.token,
      allowedOrigins: flags.allowedOrigins,
      allowedHosts: flags.allowedHosts,
      dashboard: true,
      heartbeat: flags.heartbeat,
      journal: journalOptions(flags),
      logger: { warn: (message: string, ...details: unknown[]) => logLine("warn", message, details), error: (message: string, ...details: unknown[]) => logLine("error", message, details) },
    });
  } catch (error) {
    console.error(printable(`crossipc hub: ${(error as Error).message}`));
    exit(2);
  }
}

/**
 * One line on stderr per thing the server logs. It quotes what came from the network (a Host, an
 * Origin, a path), so control characters are shown escaped; an error passed along says why.
 */
function logLine(level: "warn" | "error", message: string, details: unknown[]): void {
  const why = details.map((detail) => (detail instanceof Error ? detail.message : typeof detail === "string" ? detail : "")).filter(Boolean);
  console.error(printable(`${level}: ${message}${why.length ? `: ${why.join(": ")}` : ""}`));
}

/** Sends `discovery/requestYield` to the hub on the port; returns why it could not, if it could not. */
async function askToYield(crossipc: Crossipc, flags: HubFlags): Promise<string | undefined> {
  const host = !flags.hostname || flags.hostname === "0.0.0.0" ? "127.0.0.1" : flags.hostname.includes(":") ? `[${flags.hostname}]` : flags.hostname;
  const client = new crossipc.IPCClient(`http://${host}:${flags.port}`, { accessToken: flags.token, connectTimeout: 1000, heartbeatInterval: 0 });
  try {
    await client.connect();
    await client.sendFrameworkRequest(crossipc.HubRequests.requestYield, undefined, 1000);
    return undefined;
  } catch (error) {
    // The holder may already be gone (then the next bind wins), or not be a hub at all.
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

/**
 * The last line of a hub that cannot start. It may quote whatever holds the port: a holder that
 * does not yield answers the takeover with a refusal of its own making, whose ESC sequences (a
 * window title, a cleared screen, the clipboard by OSC 52) reached the terminal as sent.
 */
function fail(message: string): never {
  console.error(printable(`crossipc hub: ${message}`));
  process.exitCode = 1;
  exit(1);
}
