/**
 * The built CLI (dist/bin/crossipc.js) against a hub holding hostile text: control characters
 * from runtimeIds, api names, prefixes and request names print escaped (`--json` keeps them as
 * data); a blank token is refused with exit 2.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { IPCServer, ServiceHub, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { deadPort } from "../matrix/_backend.ts";
import { ENTRY, runToEnd, watchedHub } from "./_cli.ts";

/** Terminal title, clear screen, clipboard write (OSC 52), hyperlink (OSC 8), a bidi override. */
const TITLE = "\u001b]0;pwned\u0007";
const CLEAR = "\u001b[2J";
const CLIPBOARD = "\u001b]52;c;ZXZpbA==\u0007";
const LINK = "\u001b]8;;evil.example\u0007click\u001b]8;;\u0007";
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

/** Runs the CLI without blocking this process (the hub under test lives in it). */
async function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, [ENTRY, ...args], { ...process.env, ...env }, 30_000);
}

/** A ServiceHub with a service whose runtimeId, api and prefix, and a request name, carry escapes. */
async function hostileHub(t: { after(fn: () => unknown): void }): Promise<ServiceHub> {
  const hub = new ServiceHub(0, { dashboard: true });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const ws = new WebSocket(`ws://127.0.0.1:${hub.getPort()}${INTERNAL_SOCKET_PATH}?runtimeId=${encodeURIComponent(`svc${TITLE}\u202e`)}`);
  await once(ws, "open");
  t.after(() => ws.close());
  const entry = { api: `api${CLEAR}`, baseUrl: "http://127.0.0.1:1", pathPrefix: `/p${CLIPBOARD}` };
  ws.send(`r:1:discovery/register:${JSON.stringify([entry])}`);
  await once(ws, "message");
  ws.send(`r:2:req${LINK}:{}`);
  await once(ws, "message");
  return hub;
}

test("crossipc journal and status print control characters escaped; --json keeps them as data; secrets read [redacted] in both", async (t) => {
  const hub = await hostileHub(t);
  const port = String(hub.getPort());

  await fetch(`${hub.getUrl()}/nothing?access_token=s3cret-q`, { headers: { authorization: "Bearer s3cret-h", cookie: "s=s3cret-c" } });
  const journal = await run(["journal", "--port", port]);
  assert.equal(journal.status, 0, journal.stderr);
  assert.doesNotMatch(journal.stdout, RAW, JSON.stringify(journal.stdout));
  assert.ok(journal.stdout.includes("req\\x1b]8;;evil.example\\x07click\\x1b]8;;\\x07"), journal.stdout);
  assert.ok(journal.stdout.includes("[svc\\x1b]0;pwned\\x07\\u202e]"), journal.stdout);

  const json = await run(["journal", "--port", port, "--json"]);
  assert.equal(json.status, 0, json.stderr);
  const entries = json.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(entries.some((e) => e.path === `req${LINK}`), "the JSON has the request name as it was");
  const secret = entries.find((e) => e.path.startsWith("/nothing"));
  assert.equal(secret.path, "/nothing?access_token=[redacted]");
  assert.equal(secret.requestHeaders.authorization, "[redacted]");
  assert.equal(secret.requestHeaders.cookie, "[redacted]");
  assert.doesNotMatch(json.stdout + journal.stdout, /s3cret/, "secrets are redacted in both outputs");

  const status = await run(["status", "--port", port]);
  assert.equal(status.status, 0, status.stderr);
  assert.doesNotMatch(status.stdout, RAW, JSON.stringify(status.stdout));
  assert.ok(status.stdout.includes("api\\x1b[2J"), status.stdout);
  assert.ok(status.stdout.includes("/p\\x1b]52;c;ZXZpbA==\\x07"), status.stdout);
  assert.ok(status.stdout.includes("svc\\x1b]0;pwned\\x07\\u202e"), status.stdout);
  const state = JSON.parse((await run(["status", "--port", port, "--json"])).stdout);
  assert.equal(state.services[0].api, `api${CLEAR}`);
});

test("crossipc hub prints a registered route's control characters escaped", async (t) => {
  const port = await deadPort();
  const { until, stopped } = watchedHub(t, port);
  await until("listening on");
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=${encodeURIComponent(`svc${TITLE}`)}`);
  await once(ws, "open");
  ws.send(`r:1:discovery/register:${JSON.stringify([{ api: `api${CLEAR}`, baseUrl: "http://127.0.0.1:1", pathPrefix: `/p${CLIPBOARD}` }])}`);
  await until("+ route");
  ws.close();
  await until("evicted");
  const stdout = await stopped();
  assert.doesNotMatch(stdout, RAW, JSON.stringify(stdout));
  assert.ok(stdout.includes("+ route /p\\x1b]52;c;ZXZpbA==\\x07 -> http://127.0.0.1:1 (api\\x1b[2J, "), stdout);
  assert.ok(stdout.includes("/svc\\x1b]0;pwned\\x07"), stdout);
});

test("a blank token is refused: --token ' ' exits 2 (hub, status, journal), and the library throws", async () => {
  for (const command of ["hub", "status", "journal"]) {
    const result = await run([command, "--token", " ", "--port", "1"]);
    assert.equal(result.status, 2, `${command}: ${result.stderr}`);
    assert.match(result.stderr, /--token must not be blank/);
  }
  const fromEnv = await run(["hub", "--port", "0"], { CROSSIPC_ACCESS_TOKEN: "  " });
  assert.equal(fromEnv.status, 2, fromEnv.stderr);
  assert.match(fromEnv.stderr, /CROSSIPC_ACCESS_TOKEN must not be blank/);
  assert.throws(() => new IPCServer(0, { accessToken: " \t" }), /accessToken must be a non-blank string/);
  assert.throws(() => new IPCServer(0, { accessToken: "" }), /accessToken must be a non-blank string/);
});
