/**
 * `start()` called again while the first call is still binding (two parts of one program that
 * both make sure the hub is up, `Promise.all([a(), b()])`), and `teardown()` called while it is:
 * the second call bound a listener of its own, which nothing closed afterwards, so the second
 * call on a fixed port resolved `false` (as if another process held it) and after teardown the
 * port stayed taken; and a teardown during start left the server listening once start finished.
 * Now a second call shares the first one's answer, and teardown waits for a start in progress.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { freePort } from "../fixtures/_freePort.ts";

/** Whether a new server can bind `port`, which it then lets go again. */
async function portFree(port: number): Promise<boolean> {
  const probe = new IPCServer(port);
  const bound = await probe.start();
  await probe.teardown();
  return bound;
}

test("two start() calls at once on one server both resolve true, and teardown frees the port", async () => {
  const port = await freePort();
  const server = new IPCServer(port);
  try {
    assert.deepEqual(await Promise.all([server.start(), server.start()]), [true, true]);
    assert.equal(server.getPort(), port);
  } finally {
    await server.teardown();
  }
  assert.equal(await portFree(port), true, "the port is free after teardown");
});

test("teardown() while start() is still binding leaves the port free", async () => {
  const port = await freePort();
  const server = new IPCServer(port);
  const started = server.start();
  await server.teardown();
  assert.equal(await started, true);
  assert.equal(await portFree(port), true, "nothing listens after teardown");
});
