/** What `crossipc hub` prints on stderr for what its server logs, as a person runs it. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "node:test";
import { spawnCrossipc } from "./_cli.ts";
import { rawSocket, waitFor } from "./_helpers.ts";

function startHub(t: { after(fn: () => unknown): void }): { port: Promise<number>; err: () => string } {
  const { child, out, err } = spawnCrossipc(["hub", "--port", "0", "--json"]);
  t.after(async () => {
    child.kill("SIGINT");
    if (child.exitCode === null) await once(child, "exit");
  });
  const port = new Promise<number>((resolve) =>
    child.stdout.on("data", () => {
      const match = /"port":(\d+),/.exec(out());
      if (match) resolve(Number(match[1]));
    }),
  );
  return { port, err };
}

/** Sends raw bytes (latin1) and waits for the connection to end. */
async function raw(port: number, text: string): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.on("data", () => {});
  socket.end(Buffer.from(text, "latin1"));
  await once(socket, "close");
}

test("a refused Host or Origin carrying terminal controls is logged escaped, not written raw to the user's terminal", async (t) => {
  const hub = startHub(t);
  const port = await hub.port;
  // U+009B and U+009C are the 8-bit CSI and ST: a terminal would set its title to PWNED.
  await raw(port, "GET /x HTTP/1.1\r\nHost: evil\x9b]0;PWNED\x9c.example\r\nConnection: close\r\n\r\n");
  await raw(port, "GET /__crossipc/api/state HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://e\x9b]0;PWNED\x9c\r\nConnection: close\r\n\r\n");
  // Two whole lines (two newlines): a line may arrive in pieces, and half of it would not match.
  await waitFor(() => (hub.err().match(/\n/g) ?? []).length >= 2, "two log lines");
  assert.doesNotMatch(hub.err(), /[\u0080-\u009f\u001b]/);
  // Not host[:port] (a control byte in the name): refused as malformed, quoted and escaped.
  assert.match(hub.err(), /^warn: \[crossipc\] Request refused: Host "evil\\x9b\]0;PWNED\\x9c\.example" is not a host name or IP address/m);
  assert.match(hub.err(), /^warn: \[crossipc\] Dashboard request GET \/__crossipc\/api\/state refused: Origin 'http:\/\/e\\x9b\]0;PWNED\\x9c'/m);
});

test("a log line for an error says why (it named the failing request only)", async (t) => {
  const hub = startHub(t);
  // A peer that is not connectMocks sending a rule of a kind the hub does not know: the hub's
  // warning names the error, not only the request. (A test's own refused pattern is answered to
  // the test and not logged: test/node/mocks.test.ts.)
  const raw = await rawSocket(await hub.port);
  t.after(() => raw.close());
  raw.send('r:1:__crossipc/mocks/add:{"ref":1,"scope":null,"kind":"nonsense","method":"GET","path":"/x"}');
  assert.match(await raw.next(), /Unknown rule kind/);
  // The whole line, up to its newline: stderr may arrive in pieces.
  await waitFor(() => /threw[^\n]*\n/.test(hub.err()), "the log line");
  const line = hub.err().split("\n").find((text) => text.includes("threw"))!;
  assert.match(line, /^warn: \[crossipc\] Request handler for '__crossipc\/mocks\/add' threw: Unknown rule kind "nonsense"/);
});
