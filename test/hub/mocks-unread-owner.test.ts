/**
 * A hub drops a framework client with more than `maxBufferedAmount` (64 MiB) unread as a slow
 * consumer, and a mocks process loses every rule with it. Requests relayed to a mock went out
 * whatever its process had not read yet: three concurrent 40 MiB POSTs to a mocked route (anything
 * that reaches the port may send them) had a test process dropped while it was busy, and its
 * mocks gone (found with one that was reading: 20 such POSTs, "Dropping slow client", every
 * request 502). A request that would pass the bound is refused with 503; the process keeps its rules.
 * The process is stopped (SIGSTOP) to hold it busy, under a hub whose heartbeat outlasts the
 * test; hubs under Node, Bun and Deno.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const MIB = 1024 * 1024;

for (const runtime of RUNTIMES) {
  test(`a hub under ${runtime}: a busy mocks process is not dropped for the bodies relayed to it; the request past the bound gets 503`, async (t) => {
    // A stopped process answers no ping: the heartbeat must not be what drops it here.
    const hub = start(runtime, "test/fixtures/faults-hub.ts", ["--heartbeat", "120"]);
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const holder = start("node", "test/fixtures/mocks-holder.ts", ["--port", String(port)]);
    t.after(() => {
      holder.proc.kill("SIGCONT");
      holder.proc.kill("SIGKILL");
    });
    const { headers } = await holder.nextJson<{ headers: Record<string, string> }>(60_000, "holder ready");
    holder.proc.kill("SIGSTOP");

    const body = Buffer.alloc(40 * MIB, 97);
    const answers: Array<Promise<{ status: number; text: string }>> = [];
    for (let i = 0; i < 3; i++) {
      answers.push(post(port, "/held/upload", body, headers));
      // One at a time, so that each finds what the ones before it left unread.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    // The first 503, or all three answered (the process stopped, only a hub that dropped it answers them).
    const refused = await Promise.race([
      ...answers.map((answer) => answer.then((got) => (got.status === 503 ? got : new Promise<never>(() => {})))),
      Promise.all(answers).then((all) => ({ status: 0, text: `no 503; answered while the process was stopped: ${JSON.stringify(all.map(({ status, text }) => [status, text.slice(0, 200)]))}` })),
    ]);
    assert.match(refused.text, /still unread.*maxBufferedAmount/);
    holder.proc.kill("SIGCONT");
    const all = await Promise.all(answers);
    const statuses = all.map(({ status }) => status).sort();
    assert.ok(statuses.includes(200), `the relayed uploads are answered: ${JSON.stringify(all.map(({ status, text }) => [status, text.slice(0, 200)]))}`);
    assert.deepEqual(statuses.filter((status) => status !== 200 && status !== 503), []);
    for (const { status, text } of all) if (status === 200) assert.deepEqual(JSON.parse(text), { length: 40 * MIB });
    const held = await fetch(`http://127.0.0.1:${port}/held/answer`, { headers });
    assert.equal(held.status, 200, "the process kept its rules");
    assert.deepEqual(await held.json(), { held: true });
    assert.deepEqual(await stopHub(hub), []);
  });
}

function post(port: number, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path, method: "POST", headers: { ...headers, "content-type": "text/plain", "content-length": body.length } }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}
