/** What the hardening attacks share: hubs under each runtime, a recording backend, raw TCP. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { start, waitExit, type Child, type Runtime } from "../matrix/_spawn.ts";

export interface Hub {
  url: string;
  port: number;
  pid: number;
  child: Child;
  stop(): Promise<void>;
}

/** `test/hardening/hub.ts` under `runtime`: `/svc/**` proxied to `backend`, IPCServer `options`. */
export async function startHub(
  runtime: Runtime,
  backend: string | undefined,
  options: Record<string, unknown> = {},
  spawnOptions: { maxOpenFiles?: number } = {},
): Promise<Hub> {
  const child = start(runtime, "test/hardening/hub.ts", [JSON.stringify({ backend, options })], spawnOptions);
  const { port, pid } = await child.nextJson<{ port: number; pid: number }>(60_000, "listening port");
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    child,
    stop: async () => {
      child.proc.stdin.end();
      await waitExit(child, 10_000, "exit").catch(() => child.proc.kill("SIGKILL"));
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A backend that records every request it parses and answers `ok <path>`. */
export async function recordingBackend(): Promise<{ url: string; seen: SeenRequest[]; server: Server; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.end(`ok ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Writes `data` on a fresh connection and collects what comes back until the server closes it,
 * or `quietMs` pass with nothing more arriving after the first byte (keep-alive), or `maxMs`.
 */
export async function rawExchange(port: number, data: string, options: ExchangeOptions = {}): Promise<string> {
  return (await rawExchangeClosing(port, data, options)).raw;
}

interface ExchangeOptions {
  /** Quiet this long after the last bytes ends the exchange... */
  quietMs?: number;
  /** ...once this many responses have come (their status lines): a loaded machine may pause between two. */
  responses?: number;
  /** The exchange ends after this long whatever came. */
  maxMs?: number;
}

/** `rawExchange`, also saying whether the server closed the connection (rather than it going quiet). */
export function rawExchangeClosing(port: number, data: string, { quietMs = 400, responses = 0, maxMs = 5000 }: ExchangeOptions = {}): Promise<{ raw: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let out = "";
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const done = (closed: boolean) => {
      clearTimeout(quiet);
      clearTimeout(max);
      socket.destroy();
      resolve({ raw: out, closed });
    };
    const max = setTimeout(() => done(false), maxMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      out += chunk;
      clearTimeout(quiet);
      quiet = setTimeout(() => statuses(out).length >= responses && done(false), quietMs);
    });
    socket.on("error", () => {});
    socket.on("close", () => done(true));
    socket.write(data);
  });
}

/** The status codes of every response in a raw exchange, in order. */
export function statuses(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type AttackCase = [name: string, run: (hub: Hub) => Promise<void>];

/**
 * What every hardening script does with its cases: each one run and printed as `ok` or `FAIL`,
 * the failures counted, and at the end one summary line and exit code 1 when any failed.
 */
export class Tally {
  readonly #script: string;
  readonly failed: string[] = [];

  constructor(script: string) {
    this.#script = script;
  }

  /**
   * Runs one case: prints `ok   <label> <name>` (and `: <note>` when `run` returns one) or
   * `FAIL <label> <name>` with the error's lines indented below, the label padded to `width`.
   */
  async run(label: string, name: string, run: () => Promise<string | void>, width = 5): Promise<boolean> {
    try {
      const note = await run();
      console.log(`ok   ${label.padEnd(width)} ${name}${note ? `: ${note}` : ""}`);
      return true;
    } catch (error) {
      console.log(`FAIL ${label.padEnd(width)} ${name}\n     ${(error as Error).message.split("\n").join("\n     ")}`);
      this.failed.push(`${label}: ${name}`);
      return false;
    }
  }

  /** Prints `<script>: N failure(s)` and exits with 1 when a case failed, else prints `passed`. */
  end(passed: string): void {
    if (this.failed.length) {
      console.log(`${this.#script}: ${this.failed.length} failure(s)`);
      process.exit(1);
    }
    console.log(`${this.#script}: ${passed}`);
  }
}

/** Runs each case against `hub` (`before` first, e.g. clearing what a backend saw). */
export async function runCases(tally: Tally, hub: Hub, cases: AttackCase[], before?: () => void): Promise<void> {
  for (const [name, run] of cases) {
    before?.();
    await tally.run(hub.child.runtime, name, () => run(hub));
  }
}
