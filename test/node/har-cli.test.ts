/** `crossipc hub --record` and `--replay` as a person runs them (node --import tsx bin/crossipc.ts). */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ServiceHub } from "../../adapters/node.ts";
import { waitFor } from "./_helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function hub(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; started: Promise<number> } {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/crossipc.ts", "hub", "--json", ...args], {
    cwd: ROOT,
    env: { ...process.env, CROSSIPC_HUB_PORT: "", GG_LOCAL_ROUTER_PORT: "" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  const started = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", () => {
      const match = /"event":"started".*?"port":(\d+),/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", (code) => reject(new Error(`hub exited ${code}: ${err}`)));
  });
  started.catch(() => {});
  return { child, out: () => out, err: () => err, started };
}

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "crossipc-har-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("--record writes FILE when its HAR is asked for and on SIGINT, and says what the ring dropped", async (t) => {
  const file = path.join(tempDir(t), "session.har");
  const run = hub(["--port", "0", "--record", file, "--journal-size", "2"]);
  t.after(() => run.child.kill("SIGKILL"));
  const port = await run.started;
  for (const n of [1, 2, 3]) await (await fetch(`http://127.0.0.1:${port}/n/${n}`, { method: "POST", body: `body ${n}` })).text();
  assert.equal(existsSync(file), false, "nothing written before it is asked for");
  const har = await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/journal.har`)).json();
  assert.equal(har.log.entries.length, 2);
  const written = JSON.parse(readFileSync(file, "utf8"));
  assert.deepEqual(written.log.entries.map((e: { request: { url: string } }) => new URL(e.request.url).pathname), ["/n/2", "/n/3"]);
  await waitFor(() => run.err().includes("dropped 1 older entry"), "the drop on stderr");
  // A filtered HAR does not overwrite the file.
  await (await fetch(`http://127.0.0.1:${port}/n/4`)).text();
  await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/journal.har?method=GET`)).text();
  assert.equal(JSON.parse(readFileSync(file, "utf8")).log.entries.length, 2);

  run.child.kill("SIGINT");
  const [code] = await once(run.child, "exit");
  assert.equal(code, 0);
  assert.match(run.err(), /recorded 2 requests to .*session\.har; the journal dropped 2 older entries to keep 2 \(raise --journal-size to keep more\)/);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).log.entries.map((e: { request: { url: string } }) => new URL(e.request.url).pathname), ["/n/3", "/n/4"]);
  assert.doesNotMatch(run.err(), /secrets|--no-redact/);
});

test("--no-redact says on stderr that the recording holds secrets", async (t) => {
  const file = path.join(tempDir(t), "secret.har");
  const run = hub(["--port", "0", "--record", file, "--no-redact"]);
  t.after(() => run.child.kill("SIGKILL"));
  await run.started;
  assert.match(run.err(), /--no-redact: authorization, proxy-authorization, cookie and set-cookie values, API keys, tokens and passwords are kept as sent; .*secret\.har will hold them/);
  run.child.kill("SIGTERM");
  assert.equal((await once(run.child, "exit"))[0], 0);
});

test("bad recording flags exit 2 with a message", async () => {
  for (const [args, message] of [
    [["--max-body", "1MiB"], /--max-body applies to a recording: give --record FILE\.har too/],
    [["--record", "x.har", "--max-body", "lots"], /--max-body must be a size in bytes such as 1048576 or 10MiB, got 'lots'/],
    [["--record", "x.txt"], /--record takes a file name ending in \.har/],
    [["--journal-size", "0"], /--journal-size must be a positive whole number, got '0'/],
    [["--on-miss", "404"], /--on-miss applies to replays: give --replay FILE\.har too/],
    [["--replay", "x.har", "--on-miss", "drop"], /--on-miss must be next or 404, got 'drop'/],
  ] as Array<[string[], RegExp]>) {
    const run = hub(["--port", "0", ...args]);
    const [code] = await once(run.child, "exit");
    assert.equal(code, 2, `${args.join(" ")}: ${run.err()}`);
    assert.match(run.err(), message);
  }
});

test("--replay FILE --on-miss 404 answers what FILE holds and names the closest recording for the rest", async (t) => {
  const file = path.join(tempDir(t), "one.har");
  const entry = {
    startedDateTime: "2026-01-01T00:00:00.000Z",
    time: 0,
    request: { method: "GET", url: "http://x/users/1?full=1", httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "application/json" }],
      content: { size: 11, mimeType: "application/json", text: '{"name":"A"}' }, redirectURL: "", headersSize: -1, bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  };
  writeFileSync(file, JSON.stringify({ log: { version: "1.2", creator: { name: "x", version: "1" }, entries: [entry] } }));
  const run = hub(["--port", "0", "--replay", file, "--on-miss", "404"]);
  t.after(() => run.child.kill("SIGKILL"));
  const port = await run.started;
  await waitFor(() => /"event":"replaying"[^\n]*\n/.test(run.out()), "the replaying event (its whole line: it may arrive in pieces)");
  assert.match(run.out(), /"event":"replaying".*"file":".*one\.har","entries":1,"skipped":0/);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/users/1?full=1`)).text(), '{"name":"A"}');
  const miss = await fetch(`http://127.0.0.1:${port}/users/2`);
  assert.equal(miss.status, 404);
  assert.match((await miss.json()).error, /No recorded answer for GET \/users\/2 in replay '.*one\.har': the closest recorded request is GET \/users\/1\?full=1 \(entry 0\)/);
  run.child.kill("SIGINT");
  assert.equal((await once(run.child, "exit"))[0], 0);
});

test("--replay A --replay B --on-miss 404 answers what either file holds; only a request neither holds gets the 404, naming the closest over both files", async (t) => {
  const dir = tempDir(t);
  const recording = (url: string, text: string) => ({
    log: {
      version: "1.2",
      creator: { name: "x", version: "1" },
      entries: [
        {
          startedDateTime: "2026-01-01T00:00:00.000Z",
          time: 0,
          request: { method: "GET", url, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
          response: {
            status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "text/plain" }],
            content: { size: text.length, mimeType: "text/plain", text }, redirectURL: "", headersSize: -1, bodySize: -1,
          },
          cache: {},
          timings: { send: 0, wait: 0, receive: 0 },
        },
      ],
    },
  });
  const users = path.join(dir, "users.har");
  const orders = path.join(dir, "orders.har");
  writeFileSync(users, JSON.stringify(recording("http://x/users/1", "user 1")));
  writeFileSync(orders, JSON.stringify(recording("http://x/orders/1", "order 1")));
  const run = hub(["--port", "0", "--replay", users, "--replay", orders, "--on-miss", "404"]);
  t.after(() => run.child.kill("SIGKILL"));
  const port = await run.started;
  // Each file was a replay answering 404 for what it lacks: the last given, asked first, hid the others.
  const first = await fetch(`http://127.0.0.1:${port}/users/1`);
  assert.equal(`${first.status} ${await first.text()}`, "200 user 1");
  const second = await fetch(`http://127.0.0.1:${port}/orders/1`);
  assert.equal(`${second.status} ${await second.text()}`, "200 order 1");
  const miss = await fetch(`http://127.0.0.1:${port}/users/2`);
  assert.equal(miss.status, 404);
  assert.match((await miss.json()).error, /No recorded answer for GET \/users\/2 in replays '[^']*users\.har', '[^']*orders\.har': the closest recorded request is GET \/users\/1 \(entry 0 of '[^']*users\.har'\)/);
  // The closest over every file, not the first file's only (it named GET /users/1, which shares nothing with this request).
  const other = await fetch(`http://127.0.0.1:${port}/orders/2`);
  assert.equal(other.status, 404);
  assert.match((await other.json()).error, /No recorded answer for GET \/orders\/2 in replays '[^']*users\.har', '[^']*orders\.har': the closest recorded request is GET \/orders\/1 \(entry 0 of '[^']*orders\.har'\)/);
  run.child.kill("SIGINT");
  assert.equal((await once(run.child, "exit"))[0], 0);
});

test("--replay checks every file before it asks a running hub to yield: a bad one leaves that hub alone", async (t) => {
  const dir = tempDir(t);
  const holder = new ServiceHub(0);
  await holder.start();
  t.after(() => holder.teardown());
  const bad = path.join(dir, "bad.har");
  writeFileSync(bad, JSON.stringify({ log: { version: "1.2", creator: { name: "x", version: "1" }, entries: [{ startedDateTime: "x" }] } }));
  const run = hub(["--port", String(holder.getPort()), "--replay", bad]);
  const [code] = await once(run.child, "exit");
  assert.equal(code, 2);
  assert.match(run.err(), /--replay .*bad\.har: entry 0: entry\.time is missing \(HAR 1\.2 requires it\)/);
  assert.equal((await fetch(`${holder.getUrl()}/anything`)).status, 404, "the holder still serves");
  assert.doesNotMatch(run.out(), /takingOver/);
});
