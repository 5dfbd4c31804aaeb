/**
 * The built CLI (dist/bin/crossipc.js) under node, bun and deno against whatever holds the hub's
 * port and answers badly: headers and then nothing (Node and Deno waited for good), an answer of
 * 300 MiB (held whole: 2–4 GiB for 3 GiB), JSON of another shape or no JSON (a TypeError from
 * deep in the printing), and the token it was given sent back (printed, into a CI log).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { RUNTIMES, type Runtime } from "../matrix/_spawn.ts";
import { cliCommand, runToEnd } from "./_cli.ts";

const TOKEN = "s3cret-token-of-this-test";
/** Longer than any bound the CLI sets: a CLI still running then is taken as hung. */
const KILL_AFTER_MS = 40_000;

type Answer = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A server on 127.0.0.1:0 that answers every request with `answer`, closed after the test. */
async function fakeHub(t: { after(fn: () => unknown): void }, answer: Answer): Promise<number> {
  const server = http.createServer(answer);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** Runs the CLI under `runtime`; a run still going after KILL_AFTER_MS is killed (status null). */
async function run(runtime: Runtime, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [file, prefix] = cliCommand(runtime, ["--allow-net=127.0.0.1"]);
  return runToEnd(file, [...prefix, ...args], { ...process.env, NO_COLOR: "1" }, KILL_AFTER_MS);
}

/**
 * Runs each job's CLI, a few at a time: dozens of runtimes starting at once on a 2-core machine
 * took longer than the CLI's own 5 s connect timeout.
 */
async function runAll<J extends { runtime: Runtime; command: string[]; port: number }>(jobs: J[], extra: string[] = [], atOnce = 4): Promise<Array<J & Awaited<ReturnType<typeof run>>>> {
  const results: Array<J & Awaited<ReturnType<typeof run>>> = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      results.push({ ...job, ...(await run(job.runtime, [...job.command, "--port", String(job.port), ...extra])) });
    }
  };
  await Promise.all(Array.from({ length: atOnce }, worker));
  return results;
}

const json = (status: number, body: string): Answer => (_request, response) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(body);
};

test("a hub that sends its headers and then nothing: status, journal, journal --har and fault --list end with one line saying so, on every runtime", async (t) => {
  const port = await fakeHub(t, (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"enabled":true,');
  });
  const commands = [["status"], ["journal"], ["journal", "--har"], ["fault", "--list"]];
  // Each run waits 5 s doing nothing: more at once.
  const runs = await runAll(RUNTIMES.flatMap((runtime) => commands.map((command) => ({ runtime, command, port }))), [], 6);
  for (const { runtime, command, status, stderr } of runs) {
    const what = `${runtime} crossipc ${command.join(" ")}`;
    assert.equal(status, 1, `${what} exits 1, not hung (stderr: ${stderr})`);
    assert.match(stderr, new RegExp(`^crossipc (status|journal|fault): .*the hub at http://127\\.0\\.0\\.1:${port} sent nothing for 5 s in the middle of its answer\\n$`), what);
  }
});

// Node only: 300 MiB three times took half a minute on a loaded 2-core machine, and the bounded
// reading is the same code on every runtime (the test above runs it under all three).
test("a hub that answers 300 MiB of JSON: the CLI stops reading at 256 MiB and says so", async (t) => {
  const chunk = Buffer.alloc(1 << 20, "x");
  const port = await fakeHub(t, (request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"enabled":true,"lastId":1,"entries":["');
    let sent = 0;
    const pump = () => {
      while (sent < 300 && !request.socket.destroyed) {
        sent++;
        if (!response.write(chunk)) return void response.once("drain", pump);
      }
      response.end('"]}');
    };
    pump();
  });
  const { status, stderr } = await run("node", ["journal", "--port", String(port)]);
  assert.equal(status, 1, stderr);
  assert.equal(stderr, `crossipc journal: the hub at http://127.0.0.1:${port} sent an answer larger than 256 MiB\n`);
});

test("a hub that answers no JSON, or JSON of another shape: one line that says so, not a TypeError, on every runtime", async (t) => {
  const notJson = await fakeHub(t, json(200, '{"enabled":tru'));
  const otherShape = await fakeHub(t, json(200, JSON.stringify({ entries: 5, clients: "x", faults: {}, lastId: "1" })));
  const badEntries = await fakeHub(t, json(200, JSON.stringify({ enabled: true, lastId: 1, entries: [5, null], faults: [7], clients: [null], services: [], routes: [], journal: {} })));
  const errorObject = await fakeHub(t, json(404, JSON.stringify({ error: { nested: true } })));
  // Entries whose fields have other types: the line read "Invalid .NaN  undefined undefined →  error NaNms", exit 0.
  const wrongTypes = await fakeHub(t, json(200, JSON.stringify({ enabled: true, lastId: 1, entries: [{ id: 1, time: "x", kind: 7, durationMs: "x" }] })));
  const jobs = RUNTIMES.flatMap((runtime) => [
    { runtime, command: ["status"], port: notJson },
    { runtime, command: ["journal"], port: otherShape },
    { runtime, command: ["fault", "--list"], port: otherShape },
    ...[["status"], ["journal"], ["fault", "--list"]].map((command) => ({ runtime, command, port: badEntries })),
    { runtime, command: ["journal"], port: errorObject },
    { runtime, command: ["journal"], port: wrongTypes },
  ]);
  const runs = await runAll(jobs);
  for (const { runtime, command, port, status, stdout, stderr } of runs) {
    const what = `${runtime} crossipc ${command.join(" ")} against :${port}`;
    assert.equal(status, 1, `${what}: ${stderr}`);
    assert.equal(stdout, "", what);
    const said =
      port === notJson
        ? "answered something that is not JSON"
        : port === errorObject
          ? "answers, but serves no dashboard API"
          : "answered JSON this crossipc cannot read";
    assert.equal(stderr.split("\n").length, 2, `${what}: one line (${stderr})`);
    assert.ok(stderr.includes(said), `${what}: ${stderr}`);
    // The sentence says what the hub did first; a TypeError's text may follow in brackets.
    assert.match(stderr, new RegExp(`^crossipc (status|journal|fault): (the hub at )?http://127\\.0\\.0\\.1:${port},? (answered|answers)`), what);
  }
});

test("crossipc journal --har against a server that answers no HAR (a web page, other JSON, an empty 200): one line, exit 1, nothing on stdout, on every runtime", async (t) => {
  const page = await fakeHub(t, (_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<!doctype html><title>my app</title><p>Welcome to the app on this port</p>");
  });
  const otherJson = await fakeHub(t, json(200, JSON.stringify({ log: { entries: [] } })));
  const empty = await fakeHub(t, json(200, ""));
  // The hub's own HAR, sent a byte at a time: still copied whole.
  const trickle = await fakeHub(t, async (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    for (const byte of '{"log":{"version":"1.2","creator":{"name":"crossipc","version":"0"},"pages":[],"entries":[]}}\n') {
      response.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
  });
  // The HAR's first bytes, then a terminal's escape sequences (the clipboard, OSC 52; a title):
  // copied to stdout as they came, into the user's terminal. Once in the first piece, once later.
  const escapes = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07";
  const escaping = await fakeHub(t, json(200, `{"log":{"version":"1.2","creator":{"name":"${escapes}"`));
  const escapingLater = await fakeHub(t, async (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write(`{"log":{"version":"1.2","creator":{"name":"crossipc","version":"0"},"pages":[],"entries":[`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    response.end(`{"comment":"${escapes}"}]}}`);
  });
  // A CR between tokens (JSON whitespace, which the hub never writes) takes the cursor back over
  // what the terminal showed; a C1 CSI (U+009B, bytes C2 9B, split across two pieces) is ESC [.
  const returning = await fakeHub(t, json(200, `{"log":{"version":"1.2","creator":{"name":"crossipc"},\r"entries":[]}}`));
  const csi = await fakeHub(t, async (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write(Buffer.concat([Buffer.from(`{"log":{"version":"1.2","creator":{"name":"`), Buffer.from([0xc2])]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    response.end(Buffer.concat([Buffer.from([0x9b]), Buffer.from(`2J"},"entries":[]}}`)]));
  });
  const controls: Record<number, string> = { [escaping]: "0x1b", [escapingLater]: "0x1b", [returning]: "0x0d", [csi]: "U+009B" };
  const jobs = RUNTIMES.flatMap((runtime) => [page, otherJson, empty, trickle, escaping, escapingLater, returning, csi].map((port) => ({ runtime, command: ["journal", "--har"], port })));
  for (const { runtime, port, status, stdout, stderr } of await runAll(jobs)) {
    const what = `${runtime} crossipc journal --har against :${port}`;
    if (port === trickle) {
      assert.equal(status, 0, `${what}: ${stderr}`);
      assert.equal(JSON.parse(stdout).log.version, "1.2", what);
      continue;
    }
    if (controls[port]) {
      assert.equal(status, 1, `${what}: ${stderr}`);
      assert.ok(!/[\x1b\r\u009b]/.test(stdout), `${what}: a control character reached stdout`);
      const cut = port === escapingLater || port === csi ? "the HAR printed is cut short: " : "";
      assert.equal(stderr, `crossipc journal: ${cut}the hub at http://127.0.0.1:${port} sent a control character (${controls[port]}) that the hub's HAR never holds (is it a crossipc hub?)\n`, what);
      continue;
    }
    assert.equal(status, 1, `${what}: ${stderr}`);
    assert.equal(stdout, "", `${what}: nothing of the answer reaches stdout (a session.har)`);
    assert.equal(stderr, `crossipc journal: the hub at http://127.0.0.1:${port} answered something that is not a HAR (is it a crossipc hub?)\n`, what);
  }
});

test("whatever the hub sends back, the CLI never prints the token it was given: errors, paths, runtimeIds, --json", async (t) => {
  const echo = (status: number): Answer => (request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `you sent ${request.headers.authorization}` }));
  };
  const unauthorized = await fakeHub(t, echo(401));
  const failing = await fakeHub(t, echo(500));
  const carrying = await fakeHub(t, (request, response) => {
    const token = request.headers.authorization!.slice("Bearer ".length);
    const entry = { id: 1, time: 0, kind: "http", method: "GET", path: `/p?t=${token}`, takenBy: "none", status: 404, ok: false, durationMs: 1 };
    const body = request.url!.startsWith("/__crossipc/api/state")
      ? { url: "http://127.0.0.1:1", runtime: "node", leader: true, kind: "bin", uptimeMs: 0, tokenRequired: true, clients: [{ clientId: "c1", runtimeId: token, connectedAt: 0, requests: { in: 0, out: 0 }, pending: 0 }], services: [], routes: [], journal: { enabled: true, count: 1, size: 1 } }
      : request.url!.startsWith("/__crossipc/api/faults")
        ? { faults: [{ id: token, match: { path: `/${token}` }, fault: { status: 500 }, hits: 0 }] }
        : { enabled: true, lastId: 1, entries: [entry] };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  });
  const jobs = RUNTIMES.flatMap((runtime) => [
    { runtime, command: ["status"], port: unauthorized },
    { runtime, command: ["journal"], port: failing },
    { runtime, command: ["fault", "--list"], port: failing },
    ...[["status"], ["status", "--json"], ["journal"], ["journal", "--json"], ["fault", "--list"], ["fault", "--list", "--json"]].map((command) => ({ runtime, command, port: carrying })),
  ]);
  const runs = await runAll(jobs, ["--token", TOKEN]);
  for (const { runtime, command, port, status, stdout, stderr } of runs) {
    const what = `${runtime} crossipc ${command.join(" ")} against :${port}`;
    assert.equal(status, port === carrying ? 0 : 1, `${what}: ${stderr}`);
    assert.ok(!stdout.includes(TOKEN) && !stderr.includes(TOKEN), `${what} printed the token: ${stdout}${stderr}`);
    assert.ok((stdout + stderr).includes("[redacted]"), `${what}: ${stdout}${stderr}`);
  }
});
