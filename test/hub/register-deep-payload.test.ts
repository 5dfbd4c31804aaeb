/**
 * `crossipc hub` (the built CLI) under node, bun and deno against a framework client that sends
 * `discovery/register` payloads no service sends: nested 1,000,000 deep, and an entry whose field
 * is. The refusal quoted the payload through `JSON.stringify` of all of it: on Node and Bun that
 * threw its own RangeError, so the client was answered "Maximum call stack size exceeded" (and the
 * hub logged that), naming nothing it sent wrong; Deno wrote the whole payload to show 80 characters
 * of brackets. Now the refusal names the request and what the value is, on every runtime.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

const DEPTH = 1_000_000;
const deep = "[".repeat(DEPTH) + "]".repeat(DEPTH);

for (const runtime of RUNTIMES) {
  test(`${runtime}: discovery/register of a payload nested ${DEPTH.toLocaleString("en")} deep is refused naming the request and the value's shape`, async (t) => {
    const { port, stderr } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=deep`);
    await once(ws, "open");
    t.after(() => ws.close());
    const answers = new Map<string, (text: string) => void>();
    ws.on("message", (data) => {
      const frame = String(data);
      const [type, id] = frame.split(":", 2) as [string, string];
      if (type === "s") answers.get(id)?.(frame);
    });
    const register = (id: string, json: string) => {
      ws.send(`r:${id}:discovery/register:${json}`);
      return new Promise<{ success: boolean; error?: string }>((resolve) => answers.set(id, (frame) => resolve(JSON.parse(frame.slice(`s:${id}:discovery/register:`.length)))));
    };

    const nested = await register("1", deep);
    assert.equal(nested.success, false);
    assert.equal(nested.error, "discovery/register expects an array of {api, baseUrl, pathPrefix} (strings), got an array of 1");
    const field = await register("2", `[{"api":${deep},"baseUrl":"http://127.0.0.1:1","pathPrefix":"/x"}]`);
    assert.equal(field.success, false);
    assert.equal(field.error, 'discovery/register expects an array of {api, baseUrl, pathPrefix} (strings), got {"api": an array of 1, "baseUrl": "http://127.0.0.1:1", "pathPrefix": "/x"}');
    // A well-formed one still registers.
    assert.equal((await register("3", '[{"api":"users","baseUrl":"http://127.0.0.1:1","pathPrefix":"/users"}]')).success, true);
    assert.doesNotMatch(stderr(), /call stack/i);
  });
}
