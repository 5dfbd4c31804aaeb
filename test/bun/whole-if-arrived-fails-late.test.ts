/**
 * A Bun hub's chunked proxied answer of which more than `SMALL_ANSWER` (256 KiB) is already in
 * `fetch`'s hands when its head is, from a service that then dies (src/server/_wholeIfArrived.ts).
 * The read after those parts was made with nothing handling it until the client's side pulled that
 * far: the service's reset rejected it first, an unhandled rejection (Bun prints it and ends the
 * process; the `crossipc hub` CLI prints "unhandled rejection"). Through a real hub this needs more
 * than 256 KiB in one socket read, which loopback timing does not give on demand; the answer's body
 * here is a stream that hands three 100,000-byte parts at once and then fails, as that one does.
 */
import { expect, test } from "bun:test";
import { wholeIfArrived } from "../../src/server/_wholeIfArrived.ts";

test("an answer whose body fails after 300,000 bytes already arrived: the client's read fails, no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", note);
  try {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (++pulls <= 3) controller.enqueue(new Uint8Array(100_000).fill(97));
          else controller.error(new TypeError("ECONNRESET (the service died)"));
        },
      },
      { highWaterMark: 0 },
    );
    const answer = await wholeIfArrived(new Response(body, { headers: { "content-type": "text/plain" } }));
    // A client slow to read: the service's failure comes first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    let received = 0;
    const read = await (async () => {
      const reader = answer.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "whole";
        received += value.byteLength;
      }
    })().catch(() => "failed");
    expect({ read, received }).toEqual({ read: "failed", received: 300_000 });
    expect(unhandled.map(String)).toEqual([]);
  } finally {
    process.off("unhandledRejection", note);
  }
});
