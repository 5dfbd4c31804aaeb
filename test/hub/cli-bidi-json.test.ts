/**
 * What a terminal acts on never reaches it from the CLI, in text or in `--json`: the bidi marks
 * (U+200E, U+200F, U+061C) were printed raw in `crossipc journal`, `status` and the hub's lines
 * (the other bidi controls were escaped), `--json` of `journal` and `status` printed every bidi
 * control raw, and `crossipc hub --json` printed C1 controls raw too (U+009B is CSI), where
 * `journal --json` escaped them. `--json` stays one valid JSON document per line, with the text as
 * it was.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { ServiceHub, INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { deadPort } from "../matrix/_backend.ts";
import { ENTRY, runToEnd, watchedHub } from "./_cli.ts";

/** The marks, a right-to-left override, and CSI in its one-character C1 form. */
const MARKS = "\u200f\u061c\u200e";
const TEXT = `svc${MARKS}\u202e\u009b31m`;
/** Every bidi control (Unicode's Bidi_Control), C0 and C1 controls, DEL, the line separators. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

async function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, [ENTRY, ...args], process.env, 30_000);
}

test("crossipc journal and status escape the bidi marks; their --json escapes bidi controls and keeps the text", async (t) => {
  const hub = new ServiceHub(0, { dashboard: true });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const ws = new WebSocket(`ws://127.0.0.1:${hub.getPort()}${INTERNAL_SOCKET_PATH}?runtimeId=${encodeURIComponent(TEXT)}`);
  await once(ws, "open");
  t.after(() => ws.close());
  ws.send(`r:1:discovery/register:${JSON.stringify([{ api: `api${MARKS}`, baseUrl: "http://127.0.0.1:1", pathPrefix: "/p" }])}`);
  await once(ws, "message");
  const port = String(hub.getPort());

  for (const command of ["journal", "status"]) {
    const text = await run([command, "--port", port]);
    assert.equal(text.status, 0, text.stderr);
    assert.doesNotMatch(text.stdout, RAW, `${command}: ${JSON.stringify(text.stdout)}`);
    assert.ok(text.stdout.includes("svc\\u200f\\u061c\\u200e\\u202e\\x9b31m"), text.stdout);

    const json = await run([command, "--port", port, "--json"]);
    assert.equal(json.status, 0, json.stderr);
    assert.doesNotMatch(json.stdout, RAW, `${command} --json: ${JSON.stringify(json.stdout)}`);
    const parsed = json.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(JSON.stringify(parsed).includes(JSON.stringify(TEXT).slice(1, -1)), `${command} --json keeps the runtimeId as it was`);
  }
});

test("crossipc hub --json escapes C1 and bidi controls, one valid JSON document per line", async (t) => {
  const port = await deadPort();
  const { until, stopped } = watchedHub(t, port, ["--json"]);
  await until('"started"');
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=${encodeURIComponent(TEXT)}`);
  await once(ws, "open");
  ws.send(`r:1:discovery/register:${JSON.stringify([{ api: `api${MARKS}`, baseUrl: "http://127.0.0.1:1", pathPrefix: `/p\u009b2J` }])}`);
  await until('"routeAdded"');
  ws.close();
  await until('"routesEvicted"');
  const stdout = await stopped();
  assert.doesNotMatch(stdout, RAW, JSON.stringify(stdout));
  const events = stdout.trim().split("\n").map((line) => JSON.parse(line));
  const added = events.find((e) => e.event === "routeAdded");
  assert.equal(added.pathPrefix, "/p\u009b2J");
  assert.equal(added.runtimeId, TEXT);
  assert.equal(added.api, `api${MARKS}`);
});
