/**
 * What the Bun and Deno fronts do so that their hubs answer odd requests as a Node hub does
 * (adapters/_http1-request-stream.ts, adapters/_http1-response-stream.ts), whatever the reads'
 * boundaries. The hubs are tested end to end, against Node's, in test/hardening/fronts.ts.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { RequestStream } from "../../adapters/_http1-request-stream.ts";
import { ResponseStream } from "../../adapters/_http1-response-stream.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const text = (view: Uint8Array) => Buffer.from(view).toString("latin1");

/** The refusal a request gets from a front's reader, fed in reads of `size`, or undefined. */
function refusal(request: string, size = 100_000): { status: number; error: string } | undefined {
  const stream = new RequestStream({ maxHeadBytes: 16 * 1024, maxMessageSize: 1000 });
  const out: Uint8Array[] = [];
  for (let at = 0; at < request.length; at += size) {
    let verdict = stream.feed(bytes(request.slice(at, at + size)), out);
    while (verdict === "upgrade?") verdict = stream.answered(false, out);
    if (verdict === "refuse") return stream.refusal;
  }
  return undefined;
}

test("a target byte that is not visible ASCII is refused; percent-encoded, the same byte passes", () => {
  for (const odd of ["\x7f", "\x80", "\xc3\xa9", "\xff", "\t", "\x01", " x"]) {
    for (const size of [1, 5, 100_000]) {
      assert.equal(refusal(`GET /a${odd}b HTTP/1.1\r\nHost: h\r\n\r\n`, size)?.status, 400, JSON.stringify(odd));
    }
  }
  for (const target of ["/a%7Fb", "/a%C3%A9?q=%ff&x=~!$'()*+,;=:@"]) assert.equal(refusal(`OPTIONS ${target} HTTP/1.1\r\nHost: h\r\n\r\n`), undefined, target);
});

test("a request with Upgrade named in Connection and a body is refused, whatever its method; without one of them it passes", () => {
  const upgrade = "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n";
  for (const method of ["GET", "POST", "DELETE"]) {
    for (const body of ["Content-Length: 2\r\n\r\nhi", "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"]) {
      const refused = refusal(`${method} /a HTTP/1.1\r\nHost: h\r\n${upgrade}${body}`);
      assert.equal(refused?.status, 400, `${method} ${JSON.stringify(body)}`);
      assert.match(refused!.error, new RegExp(`^A ${method} request with a body and an Upgrade header`));
    }
  }
  assert.equal(refusal(`POST /a HTTP/1.1\r\nHost: h\r\n${upgrade}Content-Length: 0\r\n\r\n`), undefined);
  assert.equal(refusal(`GET /a HTTP/1.1\r\nHost: h\r\n${upgrade}\r\n`), undefined);
  assert.equal(refusal("POST /a HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi"), undefined);
});

test("a second 100 Continue to the same request is taken out; the next request may have its own", () => {
  const stream = new ResponseStream();
  const twice = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n";
  const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  assert.equal(text(stream.feed(bytes(twice + answer))), `HTTP/1.1 100 Continue\r\n\r\n${answer}`);
  assert.equal(stream.answers, 1);
  // Split across reads: the second one is a read of its own.
  assert.equal(text(stream.feed(bytes("HTTP/1.1 100 Continue\r\n\r\n"))), "HTTP/1.1 100 Continue\r\n\r\n");
  assert.equal(text(stream.feed(bytes("HTTP/1.1 100 Continue\r\n\r\n"))), "");
  assert.equal(text(stream.feed(bytes(answer))), answer);
  assert.equal(stream.answers, 2);
  // An answer with no 100 before it passes as it is (the very same bytes).
  const plain = bytes(answer);
  assert.equal(stream.feed(plain), plain);
});
