/**
 * The real `crossipc hub` (the built dist/bin/crossipc.js) in child processes, under node,
 * bun and deno: it starts, a service registers and is reached through it, the service is
 * SIGKILLed and its routes go, a second hub on the same port takes over, SIGINT/SIGTERM exit
 * 0 with the port free, and bad flags exit non-zero with a clear message.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { test } from "node:test";
import WebSocket from "ws";
import { deadPort } from "../matrix/_backend.ts";
import { ROOT, start, type Runtime } from "../matrix/_spawn.ts";
import { startEchoService } from "../fixtures/_echoService.ts";
import { cliCommand } from "./_cli.ts";

// What a user grants Deno: the network and environment variables (the port may come from one).
const binCommand = (runtime: Runtime) => cliCommand(runtime, ["--allow-net", "--allow-env"]);

interface Cli {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr(): string;
  /** The first line (already printed or coming) that `match` accepts. */
  line(match: (line: string) => boolean, what: string, ms?: number): Promise<string>;
  event(name: string, ms?: number): Promise<any>;
  exited: Promise<number | string>;
}

function cli(runtime: Runtime, args: string[], env: Record<string, string> = {}): Cli {
  const [cmd, argv] = binCommand(runtime);
  const proc = spawn(cmd, [...argv, ...args], { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffer = "";
  const wake = new Set<() => void>();
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    wake.forEach((w) => w());
  });
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  exited.then(() => wake.forEach((w) => w()));
  const line = async (match: (line: string) => boolean, what: string, ms = 30_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = lines.find(match);
      if (found !== undefined) return found;
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
        throw new Error(`${runtime}: no ${what} (${proc.exitCode !== null ? `exited ${proc.exitCode}` : "timeout"}). stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => (wake.delete(done), resolve());
        wake.add(done);
        setTimeout(done, 200);
      });
    }
  };
  return {
    proc,
    lines,
    stderr: () => stderr,
    exited,
    line,
    event: async (name, ms) => JSON.parse(await line((l) => l.startsWith(`{"event":"${name}"`), `a ${name} event`, ms)),
  };
}

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function exitCode(c: Cli, ms = 15_000): Promise<number | string> {
  const timer = setTimeout(() => c.proc.kill("SIGKILL"), ms);
  try {
    return await c.exited;
  } finally {
    clearTimeout(timer);
  }
}

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  test(`${runtime}: crossipc hub serves a registered service, evicts it when killed, and stops on SIGINT`, async (t) => {
    const port = await deadPort();
    const hub = cli(runtime, ["hub", "--port", String(port), "--json"]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const started = await hub.event("started", 60_000);
    assert.equal(started.url, `http://127.0.0.1:${port}`);
    assert.match(started.dashboard, new RegExp(`^http://127\\.0\\.0\\.1:${port}/__crossipc/#key=[0-9a-f]{32}$`), "the URL carries this run's key");
    assert.equal(started.runtime, runtime);
    // The key opens the API to a browser; a script needs none (refusals: test/run-access.sh).
    const key = started.dashboard.split("#key=")[1];
    const api = `http://127.0.0.1:${port}/__crossipc/api/state`;
    assert.equal((await fetch(api, { headers: { "sec-fetch-site": "same-origin", "x-crossipc-key": key } })).status, 200);
    assert.equal((await fetch(api)).status, 200);

    // A grest-ts-style service in its own process: IPCClient + discovery/register.
    const service = start("node", "test/fixtures/hub-service.ts", ["--hub", String(port), "--api", "orders", "--prefix", "/orders"]);
    t.after(() => service.proc.kill("SIGKILL"));
    await service.nextJson(60_000, "registered");
    const added = await hub.event("routeAdded");
    assert.equal(added.api, "orders");
    assert.equal(added.pathPrefix, "/orders");
    const answer = (await (await fetch(`http://127.0.0.1:${port}/orders/7`)).json()) as { service: string; path: string };
    assert.deepEqual([answer.service, answer.path], ["orders", "/orders/7"]);

    service.proc.kill("SIGKILL");
    const evicted = await hub.event("routesEvicted");
    assert.equal(evicted.count, 1);
    assert.equal(evicted.routes[0].api, "orders");
    assert.equal((await fetch(`http://127.0.0.1:${port}/orders/7`)).status, 404);

    hub.proc.kill("SIGINT");
    assert.equal(await exitCode(hub), 0, hub.stderr());
    assert.equal((await hub.event("stopped")).port, port);
    assert.equal(await portIsFree(port), true, "the port is free after SIGINT");
    assert.equal(hub.stderr(), "");
  });
}

test("a second crossipc hub on the same port takes over; the first says it yielded and exits 0", async (t) => {
  const port = await deadPort();
  const first = cli("node", ["hub", "--port", String(port)]);
  t.after(() => first.proc.kill("SIGKILL"));
  await first.line((l) => l.includes(`listening on http://127.0.0.1:${port}`), "the started line");
  const echo = await startEchoService("kept");
  t.after(() => echo.close());

  const second = cli("bun", ["hub", "--port", String(port), "--json"]);
  t.after(() => second.proc.kill("SIGKILL"));
  assert.equal((await second.event("takingOver", 60_000)).port, port);
  await second.event("started", 30_000);
  await first.line((l) => l.startsWith("yielded"), "the yielded line");
  assert.equal(await exitCode(first), 0, first.stderr());
  assert.match(first.lines.join("\n"), /stopped; port \d+ is free/);

  // The newcomer serves: a WebSocket through it reaches a service registered with it.
  const member = start("node", "test/fixtures/hub-service.ts", ["--hub", String(port), "--api", "live"]);
  t.after(() => member.proc.kill("SIGKILL"));
  await member.nextJson(60_000, "registered");
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/socket`);
  await once(ws, "open");
  ws.send("hi");
  assert.equal(String((await once(ws, "message"))[0]), "live:hi");
  ws.close();

  // --no-takeover fails instead of asking.
  const third = cli("node", ["hub", "--port", String(port), "--no-takeover"]);
  assert.notEqual(await exitCode(third), 0);
  assert.match(third.stderr(), new RegExp(`port ${port} is already in use`));

  second.proc.kill("SIGTERM");
  assert.equal(await exitCode(second), 0, second.stderr());
  assert.equal(await portIsFree(port), true);
});

test("SIGINT or SIGTERM while it waits for the port (held by something that is not a hub) ends it at once: one line, exit 0, on every runtime", async (t) => {
  // Not a hub: it takes connections and closes them, so the newcomer keeps asking for 5 s.
  const holder = createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
  await once(holder, "listening");
  t.after(() => holder.close());
  const port = (holder.address() as { port: number }).port;
  for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const hub = cli(runtime, ["hub", "--port", String(port), "--json"]);
      t.after(() => hub.proc.kill("SIGKILL"));
      await hub.event("takingOver", 30_000);
      hub.proc.kill(signal);
      // It died of the signal (130/143, or "SIGINT" from Node's view) instead.
      assert.equal(await exitCode(hub), 0, `${runtime} ${signal}: ${hub.stderr()}`);
      const stopped = JSON.parse(hub.lines.at(-1)!);
      assert.deepEqual({ ...stopped, time: undefined }, { event: "stopped", time: undefined, port, signal, bound: false }, `${runtime} ${signal}`);
      assert.equal(hub.stderr(), "", `${runtime} ${signal}: it did not wait out the 5 s and fail`);
    }
  }
});

test("the port comes from CROSSIPC_HUB_PORT, then GG_LOCAL_ROUTER_PORT; the token is the dashboard URL's key", async (t) => {
  const port = await deadPort();
  const other = await deadPort();
  const hub = cli("node", ["hub", "--token", "s3cret"], { CROSSIPC_HUB_PORT: String(port), GG_LOCAL_ROUTER_PORT: String(other) });
  t.after(() => hub.proc.kill("SIGKILL"));
  // One line for the event: the hub's URL and the dashboard's (SPEC §7).
  const started = await hub.line((l) => l.includes("listening on"), "the started line");
  assert.equal(started, `crossipc hub listening on http://127.0.0.1:${port} (node); dashboard: http://127.0.0.1:${port}/__crossipc/#key=s3cret`);
  hub.proc.kill("SIGINT");
  assert.equal(await exitCode(hub), 0);

  const grest = cli("deno", ["hub", "--json"], { GG_LOCAL_ROUTER_PORT: String(other) });
  t.after(() => grest.proc.kill("SIGKILL"));
  assert.equal((await grest.event("started", 60_000)).port, other);
  grest.proc.kill("SIGTERM");
  assert.equal(await exitCode(grest), 0);
});

test("bad flags exit non-zero with a clear message; --help exits 0", async () => {
  // What would open the hub to strangers exits 2 with one line.
  for (const [args, message] of [
    [["hub", "--allow-origin", "*"], /^crossipc hub: --allow-origin '\*' lets every web page .* add --token T/],
    [["hub", "--hostname", "0.0.0.0"], /^crossipc hub: --hostname 0\.0\.0\.0 opens the hub beyond this machine: add --token T/],
    [["hub", "--token", " "], /^crossipc hub: --token must not be blank/],
    [["hub", "--allow-host", "http://myapp.test"], /^crossipc hub: --allow-host must be a host name/],
  ] as Array<[string[], RegExp]>) {
    const c = cli("node", args);
    assert.equal(await exitCode(c), 2, args.join(" "));
    assert.match(c.stderr(), message);
    assert.equal(c.lines.length, 0, `nothing on stdout for ${args.join(" ")}`);
  }
  for (const [args, message] of [
    [["hub", "--bogus"], /unknown flag --bogus/],
    [["hub", "--port", "abc"], /--port must be a port number/],
    [["hub", "--port", "70000"], /--port must be a port number/],
    [["hub", "--port"], /--port needs a value/],
    [["hub", "--allow-origin", "not an origin"], /--allow-origin must be an origin/],
    [["hub", "extra"], /unexpected argument 'extra'/],
  ] as Array<[string[], RegExp]>) {
    const c = cli("node", args);
    const code = await exitCode(c);
    assert.notEqual(code, 0, `${args.join(" ")} exited 0`);
    assert.match(c.stderr(), message);
    assert.equal(c.lines.length, 0, `nothing on stdout for ${args.join(" ")}`);
  }
  const help = cli("node", ["hub", "--help"]);
  assert.equal(await exitCode(help), 0);
  const usage = help.lines.join("\n");
  for (const flag of ["--port", "--hostname", "--token", "--allow-origin", "--allow-host", "--no-takeover", "--json"]) assert.ok(usage.includes(flag), `--help mentions ${flag}`);
});
