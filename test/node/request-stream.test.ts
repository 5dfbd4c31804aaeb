/**
 * The TCP front's reading of a client's byte stream (adapters/_http1-request-stream.ts): heads
 * checked before they are forwarded, bodies and frames followed, whatever the reads' boundaries.
 * The fronted Deno hub is tested end to end in test/hardening/deno-front.ts.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { RequestStream, type StreamVerdict } from "../../adapters/_http1-request-stream.ts";
import { maskedCloseFrame } from "../../adapters/_ws-client-frames.ts";

const LIMITS = { maxHeadBytes: 1024, maxMessageSize: 1000 };
const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const text = (parts: Uint8Array[]) => Buffer.concat(parts).toString("latin1");

/** Feeds `input` in reads of `size` bytes (answering upgrades with `switched`); what was forwarded and the last verdict. */
function run(input: Uint8Array, size: number, switched = true, limits = LIMITS): { forwarded: string; verdict: StreamVerdict; stream: RequestStream } {
  const stream = new RequestStream(limits);
  const out: Uint8Array[] = [];
  const forwarded: Uint8Array[] = [];
  let verdict: StreamVerdict = "pass";
  for (let at = 0; at < input.length && verdict !== "refuse" && verdict !== "too-big"; at += size) {
    // A copy per read, as a front's reused read buffer would be overwritten.
    verdict = stream.feed(input.slice(at, at + size), out);
    while (verdict === "upgrade?") verdict = stream.answered(switched, out);
    // Views into the read must be taken before the next read.
    for (const part of out) forwarded.push(part.slice());
    out.length = 0;
  }
  return { forwarded: text(forwarded), verdict, stream };
}

const SIZES = [1, 2, 3, 7, 64, 100_000];

test("requests, bodies and pipelined requests pass through whole, whatever the reads' sizes", () => {
  const input =
    "GET /a HTTP/1.1\r\nHost: h\r\n\r\n" +
    "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
    "\r\nPOST /c HTTP/1.1\r\nhost: h\r\ntransfer-encoding: gzip, Chunked\r\n\r\n5;ext=1\r\nabcde\r\n0\r\nX-T: 1\r\n\r\n" +
    "GET /d HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
  for (const size of SIZES) {
    const { forwarded, verdict, stream } = run(bytes(input), size);
    assert.equal(verdict, "pass", `reads of ${size}`);
    assert.equal(forwarded, input, `reads of ${size}`);
    assert.equal(stream.betweenRequests, true);
  }
});

test("a bare LF anywhere in a head is refused with 400, and nothing of that head is forwarded", () => {
  const first = "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n";
  for (const bad of ["GET / HTTP/1.1\r\nHost: h\r\nX-C: a\nX-Injected: 1\r\n\r\n", "GET / HTTP/1.1\nHost: h\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\n\n", "\nGET / HTTP/1.1\r\n\r\n"]) {
    for (const size of SIZES) {
      const { forwarded, verdict, stream } = run(bytes(first + bad), size);
      assert.equal(verdict, "refuse", `${JSON.stringify(bad)} in reads of ${size}`);
      assert.equal(stream.refusal?.status, 400);
      assert.equal(forwarded, first, `${JSON.stringify(bad)} in reads of ${size}`);
    }
  }
});

test("a bare LF in a chunked body's lines, and framing the front cannot follow, are refused", () => {
  const cases = [
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
    // Two equal lengths too, as Node refuses them (Bun joined them as `0, 0`, which its proxy could not send).
    "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  ];
  for (const input of cases) {
    for (const size of [1, 5, 100_000]) assert.equal(run(bytes(input), size).verdict, "refuse", `${JSON.stringify(input)} in reads of ${size}`);
  }
});

test("a head longer than maxHeadBytes is refused with 431, however slowly it arrives", () => {
  const input = bytes(`GET / HTTP/1.1\r\nHost: h\r\nX-Long: ${"a".repeat(2000)}\r\n\r\n`);
  for (const size of [1, 100, 100_000]) {
    const { verdict, stream, forwarded } = run(input, size);
    assert.equal(verdict, "refuse");
    assert.equal(stream.refusal?.status, 431);
    assert.equal(forwarded, "");
  }
});

test("after a 101, WebSocket frames pass and a message past maxMessageSize stops before its frame", () => {
  const upgrade = "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  const frame = (fin: boolean, opcode: number, length: number) => {
    const header = length < 126 ? [(fin ? 0x80 : 0) | opcode, 0x80 | length] : [(fin ? 0x80 : 0) | opcode, 0x80 | 126, length >> 8, length & 0xff];
    return Buffer.concat([Buffer.from([...header, 1, 2, 3, 4]), Buffer.alloc(length, 0x61)]);
  };
  // A whole message of 900 bytes, a ping, then fragments of one message: 600 + 300 pass, the next 200 would make 1100.
  const allowed = Buffer.concat([Buffer.from(upgrade, "latin1"), frame(true, 2, 900), frame(true, 9, 4), frame(false, 1, 600), frame(false, 0, 300), frame(true, 10, 0)]);
  const input = new Uint8Array(Buffer.concat([allowed, frame(true, 0, 200), frame(true, 1, 5)]));
  for (const size of SIZES) {
    const { forwarded, verdict, stream } = run(input, size);
    assert.equal(verdict, "too-big", `reads of ${size}`);
    assert.equal(forwarded, allowed.toString("latin1"), `reads of ${size}`);
    assert.equal(stream.upgraded, true);
  }
  // Not switched (the server refused the upgrade): the next bytes are a request again.
  const refused = upgrade + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  assert.deepEqual(run(bytes(refused), 7, false).forwarded, refused);
  assert.equal(run(bytes(upgrade + "GET /x HTTP/1.1\nHost: h\r\n\r\n"), 100_000, false).verdict, "refuse");
});

test("a close frame a front sends in the client's place is masked and carries the code", () => {
  const frame = maskedCloseFrame(1009, "Message too big");
  assert.deepEqual([...frame.subarray(0, 8)], [0x88, 0x80 | 17, 0, 0, 0, 0, 0x03, 0xf1]);
  assert.equal(Buffer.from(frame.subarray(8)).toString(), "Message too big");
});
