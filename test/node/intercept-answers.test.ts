/**
 * A hub's own intercept route whose handler answers what no runtime can send (test/fixtures/
 * intercept-answers-hub.ts, Deno with --allow-net=127.0.0.1 only): not a Response, or a Response
 * whose body it already read (a spy that read `await response.json()` and returned the response)
 * or locked, or `Response.error()` (status 0). Node dropped the connection without an answer, Bun answered `200 Welcome to Bun!` or
 * its HTML error page and printed the error on stderr, Deno a plain-text 500. Now, on every
 * runtime, what a handler's throw gets (SPEC §3): 500 `{"error": …}` naming the route and the
 * mistake, nothing printed (no logger given), and the hub serves on. And a spy's fetched answer
 * whose service dies mid-body (the original README's spy returns `fetch()`'s Response) cuts the
 * client's connection on every runtime, without the line Bun's server printed for it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const READ = "answered a Response whose body was already read: read a clone (response.clone()) and return the original, or return a new Response";
const EXPECTED: Record<string, string> = {
  "/none": "Intercept route GET /none answered undefined, not a Response",
  "/object": "Intercept route GET /object answered an object, not a Response",
  "/read": `Intercept route GET /read ${READ}`,
  "/read-http": `Intercept route GET /read-http ${READ}`,
  "/locked": `Intercept route GET /locked ${READ}`,
  "/network-error": "Intercept route GET /network-error answered a Response with status 0 (Response.error() is a network error, not an answer), which HTTP cannot send",
};

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: an intercept route that answers no Response, or one whose body was read, gets 500 {"error"} naming it, and nothing is printed`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-answers-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const answers: Record<string, unknown> = {};
    for (const path of Object.keys(EXPECTED)) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        const text = await response.text();
        answers[path] = [response.status, response.headers.get("content-type"), text.slice(0, 300)];
      } catch (error) {
        answers[path] = `no answer: ${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`;
      }
    }
    const expected: Record<string, unknown> = Object.fromEntries(Object.entries(EXPECTED).map(([path, error]) => [path, [500, "application/json", JSON.stringify({ error })]]));
    if (runtime === "deno") {
      // A body locked but not read is left to Deno's server (its own text 500): asking a Response's
      // `body` whether it is locked made Deno send every plain text answer chunked (Platform.bodyGetterChangesAnswer).
      answers["/locked"] = (answers["/locked"] as unknown[])[0];
      expected["/locked"] = 500;
    }
    assert.deepEqual(answers, expected);
    const fine = await fetch(`http://127.0.0.1:${port}/fine`);
    assert.deepEqual([fine.status, await fine.text()], [200, "fine"], "the hub serves on");
    // A handler's `new Response("fine")` keeps the type its body gives it (Bun sent application/octet-stream once the hub had asked for its `body`).
    assert.match(fine.headers.get("content-type") ?? "none", /^text\/plain;charset=utf-8$/i);
    assert.deepEqual(await stopHub(hub), []);
  });
}

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a spy's fetched answer whose service dies mid-body cuts the client's connection, and nothing is printed`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-answers-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    // The head and 7 bytes came; the rest never will: the client must see a failure, never a short answer that looks whole.
    const response = await fetch(`http://127.0.0.1:${port}/spy-dies`);
    const read = await response.text().then((text) => `whole answer of ${text.length} characters`, () => "failed mid-body");
    assert.deepEqual([response.status, read], [200, "failed mid-body"]);
    const fine = await fetch(`http://127.0.0.1:${port}/fine`);
    assert.deepEqual([fine.status, await fine.text()], [200, "fine"], "the hub serves on");
    // Bun's server printed the ECONNRESET TypeError the fetched body failed with.
    assert.deepEqual(await stopHub(hub), []);
  });
}
