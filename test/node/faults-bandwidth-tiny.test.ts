/**
 * `bandwidth` takes any number of bytes per second above 0. One so small that the next byte is due
 * in more than 24.8 days overflowed Node's timer: it fired after 1 ms (the whole body went at once)
 * and Node printed a TimeoutOverflowWarning on the hub's stderr for each piece.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("bandwidth: 1e-9 holds the body after its first byte, without a timer warning, until the client leaves", async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/slow", () => ({ text: "x".repeat(100) }));
  await mocks.fault({ path: "/slow" }, { bandwidth: 1e-9 });

  const leave = new AbortController();
  const response = await fetch(`${server.getUrl()}/slow`, { signal: leave.signal });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  let received = 0;
  const quiet = new Promise<"quiet">((resolve) => setTimeout(() => resolve("quiet"), 1_000));
  for (;;) {
    const next = await Promise.race([reader.read(), quiet]);
    if (next === "quiet" || next.done) break;
    received += next.value.byteLength;
  }
  assert.equal(received, 1, "the body flowed faster than 1e-9 bytes per second");
  leave.abort();
  await reader.cancel().catch(() => {});
  assert.deepEqual(warnings, []);
  // The hub still answers (the held response costs nothing once its client has left).
  assert.equal((await fetch(`${server.getUrl()}/other`)).status, 404);
});
