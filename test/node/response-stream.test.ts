/**
 * What a front needs to pass pipelined requests on one at a time (Bun's front): where each of the
 * server's answers ends (adapters/_http1-response-stream.ts), and a request reader that waits for
 * each answer and stamps each head (adapters/_http1-request-stream.ts with `serial` and `stamp`),
 * whatever the reads' boundaries. The Bun hub is tested end to end in test/hardening/pipeline.ts.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { RequestStream, type StreamVerdict } from "../../adapters/_http1-request-stream.ts";
import { ResponseStream } from "../../adapters/_http1-response-stream.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const SIZES = [1, 2, 3, 7, 64, 100_000];

/** Feeds `input` in reads of `size`, noting how many answers had ended after each byte of input. */
function answersAfter(input: string, size: number, setup: (stream: ResponseStream) => void = () => {}): { answers: number; switched: boolean; endsAt: number[] } {
  const stream = new ResponseStream();
  setup(stream);
  const endsAt: number[] = [];
  for (let at = 0; at < input.length; at += size) {
    const before = stream.answers;
    stream.feed(bytes(input.slice(at, at + size)));
    if (stream.answers > before) endsAt.push(Math.min(at + size, input.length));
  }
  return { answers: stream.answers, switched: stream.switched, endsAt };
}

test("answers with a length, chunked, empty, 1xx before, and 204/304 end where they end", () => {
  const answers = [
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\nabcde\r\n0\r\nX-T: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n\r\n\r",
  ];
  const input = answers.join("");
  const ends = answers.map((_, i) => answers.slice(0, i + 1).join("").length);
  // Reads of 1 byte see each end exactly; bigger reads see it in the read that holds it.
  assert.deepEqual(answersAfter(input, 1).endsAt, ends);
  for (const size of SIZES) assert.equal(answersAfter(input, size).answers, answers.length, `reads of ${size}`);
});

test("an answer to HEAD has no body whatever its length says; one without length or chunked runs until the close", () => {
  const head = answersAfter("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n", 3, (stream) => (stream.headRequest = true));
  assert.equal(head.answers, 1);
  for (const size of SIZES) assert.equal(answersAfter("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it", size).answers, 0, `reads of ${size}`);
});

test("a 101 switches protocols: what follows is never read as answers", () => {
  const frames = "\x81\x05HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  for (const size of SIZES) {
    const upgrade = answersAfter(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n${frames}`, size);
    assert.deepEqual([upgrade.answers, upgrade.switched], [0, true], `reads of ${size}`);
  }
});

/** Feeds `input` to a serial, stamping reader in reads of `size`, answering each request when asked; what was forwarded. */
function serial(input: string, size: number): { forwarded: string; verdict: StreamVerdict; waits: number } {
  const stream = new RequestStream({ maxHeadBytes: 1024, maxMessageSize: 1000, serial: true, stamp: bytes("X-Stamp: 7\r\n") });
  const out: Uint8Array[] = [];
  const forwarded: Buffer[] = [];
  let verdict: StreamVerdict = "pass";
  let waits = 0;
  for (let at = 0; at < input.length && verdict !== "refuse"; at += size) {
    verdict = stream.feed(bytes(input.slice(at, at + size)), out);
    for (const part of out) forwarded.push(Buffer.from(part));
    out.length = 0;
    while (verdict === "upgrade?") {
      waits++;
      verdict = stream.answered(false, out);
      for (const part of out) forwarded.push(Buffer.from(part));
      out.length = 0;
    }
  }
  return { forwarded: Buffer.concat(forwarded).toString("latin1"), verdict, waits };
}

test("a serial reader waits for the answer after every request and stamps every head before its empty line", () => {
  const input = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: h\r\n\r\n";
  const expected = input.replaceAll("\r\n\r\n", "\r\nX-Stamp: 7\r\n\r\n");
  for (const size of SIZES) {
    const { forwarded, verdict, waits } = serial(input, size);
    assert.equal(forwarded, expected, `reads of ${size}`);
    assert.equal(verdict, "pass");
    assert.equal(waits, 3, `reads of ${size}`);
  }
});

test("an absolute-form or asterisk-form target, or a CONNECT, is refused with 400 before a byte of its head goes on; origin-form passes", () => {
  for (const size of SIZES) {
    const { forwarded, verdict } = serial("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET http://other/x HTTP/1.1\r\nHost: h\r\n\r\n", size);
    assert.equal(verdict, "refuse", `reads of ${size}`);
    assert.equal(forwarded, "GET /a HTTP/1.1\r\nHost: h\r\nX-Stamp: 7\r\n\r\n");
  }
  assert.equal(serial("GET /?x=http://y HTTP/1.1\r\nHost: h\r\n\r\n", 5).verdict, "pass");
  // `*` names no path, and the hub tunnels nothing: Deno's server took `OPTIONS *` as `/*`, and a
  // CONNECT as a request for `/` that a route could answer (test/hardening/http.ts).
  for (const line of ["OPTIONS * HTTP/1.1", "GET * HTTP/1.1", "CONNECT example.com:443 HTTP/1.1"]) {
    assert.equal(serial(`${line}\r\nHost: h\r\n\r\n`, 5).verdict, "refuse", line);
  }
});
