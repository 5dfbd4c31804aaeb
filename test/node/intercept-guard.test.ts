/**
 * A hub's own intercept routes (`interceptHttp`, `interceptRequest`: the embedding program's code,
 * in the hub's process) on Node, Bun and Deno hubs (test/fixtures/intercept-guard-hub.ts, Deno
 * with --allow-net=127.0.0.1 only):
 * - a handler's Response with a header value holding a control character (the Fetch standard's
 *   Headers take it) crashed a Deno hub (Deno 2.9.6's server panicked; the process died): now a
 *   502 naming the header on every runtime, and the hub serves on;
 * - a client that sends half of a large body and then stalls, its connection open, held what it
 *   sent of the budget of all bodies (`maxMockBodyBytes`) until it closed: now dropped after
 *   proxyTimeout with 408, as a mock's body is, and the budget is whole again; a small body (60 KiB
 *   declared, 1 byte sent), reserved whole and read with no bound, held its 60 KiB until its client
 *   closed: now interceptHttp answers 408 after proxyTimeout, and interceptRequest (which hands the
 *   body on as it came) gives the reservation back then.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const PROXY_TIMEOUT_MS = 2000;

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: an intercept route's header value with a control character is a 502 naming it, and the hub serves on`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-guard-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    for (const route of ["/header", "/header-http"]) {
      const fine = await fetch(`${url}${route}/plain`);
      assert.deepEqual([fine.status, fine.headers.get("x-v"), await fine.text()], [200, "tab\tand ~ visible", "ok"], route);
      for (const kind of ["soh", "esc", "del", "vt"]) {
        const response = await fetch(`${url}${route}/${kind}`);
        const text = await response.text();
        assert.equal(response.status, 502, `${route}/${kind}: ${text.slice(0, 200)}`);
        assert.match(JSON.parse(text).error, /^Intercept route GET \/header(-http)?\/:kind sent an answer the hub cannot read: header .*x-v.* is not a valid HTTP header$/, `${route}/${kind}`);
      }
      assert.equal((await fetch(`${url}${route}/plain`)).status, 200, `${route}: the hub still answers`);
    }
    assert.deepEqual(await stopHub(hub), []);
  });

  test(`${runtime} hub: an intercept route's body whose client stalls mid-way is dropped after proxyTimeout with 408, its bytes given back`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-guard-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    // Half of 1 MiB sent to each route, then nothing, the connections left open: 1 MiB of the 2 MiB budget held.
    const stalled = await Promise.all(["/echo", "/echo-request"].map((path) => stall(port, path, MiB, "s".repeat(MiB / 2))));
    for (const [i, { socket, answer }] of stalled.entries()) {
      const received = await answer;
      assert.match(received, new RegExp(String.raw`^HTTP/1\.1 408 [^]*The request body is not read for POST /echo(-request)?: the client sent none of the request body's next bytes for ${PROXY_TIMEOUT_MS}ms \(proxyTimeout\): it was dropped`), `stalled client ${i}`);
      socket.destroy();
    }
    // The budget is whole again: a body of 1.75 MiB (more than is left while the halves are held) is taken by either route.
    const large = "l".repeat(1.75 * MiB);
    for (const path of ["/echo", "/echo-request"]) {
      const response = await fetch(url + path, { method: "POST", headers: { "content-type": "text/plain" }, body: large });
      assert.deepEqual([response.status, await response.json()], [200, { length: large.length }], path);
    }
    assert.deepEqual(await stopHub(hub), []);
  });

  test(`${runtime} hub: an intercept route's small body (60 KiB declared, 1 byte sent) whose client stalls holds its reservation for proxyTimeout at most (interceptHttp: 408)`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/intercept-guard-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const url = `http://127.0.0.1:${port}`;
    // Two clients per route: 240 KiB declared of the 2 MiB budget, 4 bytes sent.
    const paths = ["/echo", "/echo", "/echo-request", "/echo-request"];
    const stalled = await Promise.all(paths.map((path) => stall(port, path, 60 * KiB, "s")));
    t.after(() => stalled.forEach(({ socket }) => socket.destroy()));
    // interceptHttp reads a small body with `text()`, which says nothing per chunk: the bound is on the whole body.
    for (const [i, { answer }] of stalled.slice(0, 2).entries()) {
      assert.match(await answer, new RegExp(String.raw`^HTTP/1\.1 408 [^]*The request body is not read for POST /echo: the client did not send the request body's 61440 bytes within ${PROXY_TIMEOUT_MS}ms \(proxyTimeout\): it was dropped`), `stalled client ${i}`);
    }
    // interceptRequest hands a small body on as it came (its handler waits on the read): its
    // reservation goes back after proxyTimeout all the same. Nothing of the 240 KiB is held then:
    // a body of 2 MiB - 64 KiB is taken by either route (asked again until the last reservation is back).
    const large = "l".repeat(2 * MiB - 64 * KiB);
    for (const path of ["/echo-request", "/echo"]) {
      let answer: [number, unknown] = [0, undefined];
      for (let tries = 0; answer[0] !== 200 && tries < 50; tries++) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        const response = await fetch(url + path, { method: "POST", headers: { "content-type": "text/plain" }, body: large });
        answer = [response.status, await response.json()];
      }
      assert.deepEqual(answer, [200, { length: large.length }], path);
    }
    assert.deepEqual(await stopHub(hub), []);
  });
}

/**
 * A request whose client sends `sent` of the `declared` bytes of its body and then nothing, its
 * connection open: `answer` is what came back once an answer's body came or the hub closed it
 * (given up after proxyTimeout and 15 s more: the client would have held its bytes for a minute and more).
 */
async function stall(port: number, path: string, declared: number, sent: string): Promise<{ socket: net.Socket; answer: Promise<string> }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  let received = "";
  const answer = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`(nothing came back within ${PROXY_TIMEOUT_MS + 15_000}ms) ${received}`), PROXY_TIMEOUT_MS + 15_000);
    const done = () => (clearTimeout(timer), resolve(received));
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (/\r\n\r\n[^]*"\}/.test(received)) done();
    });
    socket.on("close", done);
  });
  socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\ncontent-length: ${declared}\r\n\r\n`);
  await new Promise<void>((resolve) => socket.write(sent, () => resolve()));
  return { socket, answer };
}
