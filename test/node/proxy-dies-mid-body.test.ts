/**
 * A proxied service that dies mid-answer (its head and part of its body sent, then its socket
 * destroyed), on a hub given no logger. A Bun hub printed Bun's `TypeError: ECONNRESET …` on
 * stderr for it (Bun's server prints the Error a fetched body fails with); the library prints
 * nothing (SPEC §3). On every runtime the client must still learn the answer broke: a 502 when
 * nothing was sent yet (what Node's and Deno's hubs answer for the small one), else a read that
 * fails, never a short answer that looks whole. The journal keeps the status as sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, stopHub } from "../matrix/_spawn.ts";

const PATHS = ["/small", "/large", "/chunked"];

/** What a user's client makes of the answer. */
async function outcome(url: string): Promise<{ status: number; read: string }> {
  const response = await fetch(url);
  const read = await response.text().then((text) => (response.status === 502 && text.includes("Proxy error") ? "a 502 naming the service" : `a whole answer of ${text.length} characters`), () => "failed mid-body");
  return { status: response.status, read };
}

for (const runtime of RUNTIMES) {
  test(`${runtime} hub: a proxied service that dies mid-answer is a failed read or a 502 for the client, and nothing is printed`, { timeout: 120_000 }, async (t) => {
    const hub = start(runtime, "test/fixtures/proxy-dies-hub.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
    const seen: Record<string, { status: number; read: string }> = {};
    for (const path of PATHS) seen[path] = await outcome(`http://127.0.0.1:${port}${path}`);
    for (const path of PATHS) {
      const { status, read } = seen[path]!;
      const ok = (status === 200 && read === "failed mid-body") || (status === 502 && read === "a 502 naming the service");
      assert.ok(ok, `${path}: ${status}, ${read}`);
    }
    // The large answers' heads were sent before the service died: their reads fail on every runtime.
    assert.deepEqual([seen["/large"], seen["/chunked"]], [{ status: 200, read: "failed mid-body" }, { status: 200, read: "failed mid-body" }]);
    const journal = (await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/journal`)).json()) as { entries: Array<{ path: string; status: number }> };
    const statuses = Object.fromEntries(journal.entries.filter((entry) => PATHS.includes(entry.path)).map((entry) => [entry.path, entry.status]));
    assert.deepEqual(statuses, Object.fromEntries(PATHS.map((path) => [path, seen[path]!.status])), "the journal keeps each answer's status as sent");
    // Bun's server printed the ECONNRESET TypeError each fetched body failed with.
    assert.deepEqual(await stopHub(hub), []);
  });
}
