/**
 * An `interceptRequest` handler still working when the hub dies: its `request.signal` aborts, as
 * when the request's own client leaves. Nobody is left to take its answer, and a handler that
 * waits on the signal (a long poll, a stream it feeds until the client goes) waited for ever,
 * holding whatever it held; under `node --test` a timer of its kept the file's process alive.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { mocksHubProcess, waitFor } from "./_helpers.ts";

test("a running interceptRequest handler's request.signal aborts when the hub is SIGKILLed", { timeout: 60_000 }, async (t) => {
  const hub = await mocksHubProcess(t);
  const mocks = await connectMocks(hub.port);
  t.after(() => mocks.close());
  let started = false;
  let aborted: unknown;
  await mocks.interceptRequest("GET", "/poll", (request) => {
    started = true;
    // A long poll: answers when the client goes away, never on its own.
    return new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => {
        aborted = request.signal.reason;
        resolve(new Response(null, { status: 499 }));
      });
    });
  });
  const polling = fetch(`http://127.0.0.1:${hub.port}/poll`).catch((error: unknown) => error);
  await waitFor(() => started, "the handler to start", 20_000);
  process.kill(hub.pid, "SIGKILL");
  await waitFor(() => aborted !== undefined, "the handler's request.signal to abort", 20_000);
  assert.equal((aborted as DOMException).name, "AbortError");
  assert.match((aborted as DOMException).message, /connection to the hub closed/);
  await polling;
});
