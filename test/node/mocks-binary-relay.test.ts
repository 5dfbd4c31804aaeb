/**
 * A binary body relayed to a mock's process goes as base64, which Node has no native encoder
 * for. The stand-in spread each 32 KiB chunk through the array iterator (~240 ns a byte): a
 * 40 MiB binary POST to a mocked route — which any process, or a page's no-cors form, may send —
 * held a Node hub's thread ~10 s, and every client of the hub went unanswered meanwhile: their
 * heartbeats failed and they were taken for dead (a test's mocks with them). The hub runs in its
 * own process (as `crossipc hub` does), so its thread is not this one.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { toBase64 } from "../../src/_base64.ts";
import { mocksHubProcess, waitFor } from "./_helpers.ts";

test("base64 of bytes is Buffer's, at every length left over by threes and for every byte value", () => {
  const bytes = new Uint8Array(1024 + 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
  for (const length of [0, 1, 2, 3, 4, 5, 6, 256, 1024, 1025, 1026]) {
    const part = bytes.subarray(0, length);
    assert.equal(toBase64(part), Buffer.from(part).toString("base64"), `${length} bytes`);
  }
});

test("a 40 MiB binary POST to a mocked route reaches the mock whole, and the hub's other clients stay connected meanwhile", async (t) => {
  const port = (await mocksHubProcess(t)).port;
  // Another process's idle client, heartbeat every 500 ms, each to be answered within the default 4 s:
  // a hub thread held longer than that takes it for dead. (The mock's own connection carries the
  // relayed body, which its heartbeat answers would wait behind: its heartbeat is off.)
  const other = new IPCClient(port, { heartbeatInterval: 500, heartbeatTimeout: 4000 });
  await other.connect("bystander");
  t.after(() => other.disconnect());
  let otherClosed = false;
  other.onClose(() => (otherClosed = true));
  const mocks = await connectMocks(port, { heartbeatInterval: 0 });
  t.after(() => mocks.close());
  let received: Uint8Array | undefined;
  await mocks.interceptRequest("POST", "/upload", async (request) => {
    received = new Uint8Array(await request.arrayBuffer());
    return new Response("stored");
  });
  const body = new Uint8Array(40 * 1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 131) & 255; // not UTF-8: relayed as base64

  const response = await fetch(`http://127.0.0.1:${port}/upload`, { method: "POST", body });
  assert.equal(await response.text(), "stored");
  assert.equal(response.status, 200);
  assert.equal(received?.byteLength, body.byteLength);
  assert.equal(Buffer.compare(received!, body), 0);
  // One more heartbeat round after the relay: a hub that was held is found out by now.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(otherClosed, false, "the bystander's connection was dropped while the hub relayed the body");
  assert.equal(other.isConnected(), true);
});
