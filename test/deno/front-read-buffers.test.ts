/**
 * The Deno front's wide read buffers come from its spare list and go back to it between messages
 * (adapters/_deno-read-size.ts, `takeReadBuffer`/`giveBackReadBuffer`): a framework client
 * sending one large message at a time reads each into the same 256 KiB buffer, not a fresh
 * zeroed one per message (7–9% of a Deno hub's CPU per request, bench/ANALYSIS.md "Session 21").
 * test/node/deno-read-size.test.ts tests the list itself; this one the front's use of it, through
 * a real hub in this process (the front and the test share the module, so the test can put a
 * buffer of its own on the list and see whether the front read into it and gave it back).
 */
import assert from "node:assert/strict";
import { MAX_FRAME_READ_BYTES, giveBackReadBuffer, takeReadBuffer } from "../../adapters/_deno-read-size.ts";
import { connect, crossipc, Deno, startServer } from "./_deno.ts";

const echo = crossipc.IPCServer.defineRequest<string, number>("read-buffers/length");
const MARK = 0xee;

/** A 256 KiB buffer of `MARK` bytes, the only one of its size on the spare list. */
function markedSpare(): Uint8Array<ArrayBuffer> {
  // The list keeps at most four of a size: whatever is there (from an earlier test) is taken first.
  for (let i = 0; i < 4; i++) takeReadBuffer(MAX_FRAME_READ_BYTES);
  const marked = new Uint8Array(MAX_FRAME_READ_BYTES).fill(MARK);
  giveBackReadBuffer(marked);
  return marked;
}

Deno.test("behind the front: a framework client's large messages are read into one 256 KiB buffer from the spare list, given back between messages", async () => {
  const server = await startServer({ resettableConnections: true });
  server.onFrameworkMessage(echo, (text) => text.length);
  const client = await connect(server, "wide-reader", { heartbeatInterval: 0 });
  try {
    let marked = markedSpare();
    for (const round of [1, 2]) {
      // 1 MiB: past the 1 + 4 + 16 + 64 KiB of the reads that grow the buffer, so the rest is read at 256 KiB.
      const big = String(round).repeat(1024 * 1024);
      assert.equal(await client.sendFrameworkRequest(echo, big), big.length);
      // A small message after it: its read ends between two messages whatever the big one's last read did.
      assert.equal(await client.sendFrameworkRequest(echo, "small"), 5);
      const back = takeReadBuffer(MAX_FRAME_READ_BYTES);
      assert.ok(back === marked, `round ${round}: the 256 KiB buffer on the spare list after the message is not the one the test put there`);
      const unread = back.every((byte) => byte === MARK);
      assert.ok(!unread, `round ${round}: the front did not read the message into the spare 256 KiB buffer (it still holds only the test's marks)`);
      // Marked again and given back: the next message must be read into it once more.
      marked = markedSpare();
    }
  } finally {
    client.disconnect();
    await server.teardown();
  }
});
