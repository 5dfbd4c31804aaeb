/**
 * A test whose hub dies or stops under it learns so on its next mocks call. After a `joinHub`
 * leader is SIGKILLed and a follower takes the port over, the services' routes come back (SPEC §7)
 * and the test's rules do not (SPEC §10): its next `intercept`, `entries` or `waitFor` rejects
 * saying the rules are gone and to connect again. Before, it read only "Socket not connected: …
 * (request '__crossipc/mocks/add')", and a stopped hub's "Request '__crossipc/mocks/journal' timed
 * out after 10000ms": the wire request's name, not what the test lost. Hubs on Node, Bun and Deno.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { deadPort } from "../matrix/_backend.ts";
import { RUNTIMES, start, waitExit, type Child } from "../matrix/_spawn.ts";
import { mocksHubProcess, rejection } from "./_helpers.ts";

const GONE = /^Socket not connected\b.*: the connection to the hub was lost, and every mock, fault and replay added on it went with it .*connectMocks again/s;

for (const runtime of RUNTIMES) {
  test(`${runtime} joinHub leader SIGKILLed: the follower's routes come back, the test's mocks do not, and its next call says so`, { timeout: 120_000 }, async (t) => {
    const port = await deadPort();
    const members: Child[] = [];
    t.after(async () => {
      for (const member of members) member.proc.kill("SIGKILL");
      await Promise.all(members.map((member) => waitExit(member, 10_000, "exit").catch(() => {})));
    });
    const member = async (name: string): Promise<Child> => {
      const child = start(runtime, "test/fixtures/hub-member.ts", ["--port", String(port), "--name", name]);
      members.push(child);
      await child.nextJson(60_000, `${name} joined`);
      return child;
    };
    const leader = await member("lead");
    await member("follow");

    const mocks = await connectMocks(port);
    t.after(() => mocks.close());
    const scope = mocks.scope();
    await scope.intercept("GET", "/follow/hello", () => ({ service: "mock" }));
    // Who answered: the mock, or the service itself ({service, runtime, pid, …}).
    const hello = async () => ((await (await fetch(`http://127.0.0.1:${port}/follow/hello`, { headers: scope.headers })).json()) as { service: string }).service;
    assert.equal(await hello(), "mock");

    const closed = new Promise<void>((resolve) => mocks.client.onClose(() => resolve()));
    leader.proc.kill("SIGKILL");
    await closed;
    // The follower took the port over and re-registered its service: the same request now reaches it.
    let answered: string | undefined;
    for (let i = 0; i < 200 && answered !== "follow"; i++) {
      answered = await hello().catch(() => undefined);
      if (answered !== "follow") await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(answered, "follow", "the follower's route came back, the test's mock did not");

    for (const call of [scope.intercept("GET", "/follow/hello", () => 1), scope.entries(), scope.waitFor({ path: "/never" }, 1000), mocks.fault({ path: "/x" }, { status: 500 })]) {
      const error = await rejection(call);
      assert.equal(error.code, "ERR_IPC_NOT_CONNECTED");
      assert.match(error.message, GONE);
    }
    // What SPEC §10 promises of them holds: the hub holds none of the rules (they went with it).
    await scope.close();
    await mocks.close();
    const after = await rejection(scope.entries());
    assert.match(after.message, /mocks\.close\(\) closed this connection .*connectMocks again/);
  });
}

test("a stopped hub (SIGSTOP): a mocks call rejects when its timeout ends, saying the hub did not answer", { timeout: 60_000 }, async (t) => {
  const hub = await mocksHubProcess(t);
  const mocks = await connectMocks(hub.port);
  const scope = mocks.scope();
  await scope.intercept("GET", "/a", () => 1);
  process.kill(hub.pid, "SIGSTOP");
  // Killed before closing: a stopped hub answers no close, and `close()` would wait out its own timeout.
  t.after(async () => {
    process.kill(hub.pid, "SIGKILL");
    await mocks.close();
  });
  const error = await rejection(scope.entries());
  assert.equal(error.code, "ERR_IPC_TIMEOUT");
  assert.match(error.message, /^Request '__crossipc\/mocks\/journal' timed out after 10000ms: the hub did not answer: it is stopped \(a paused debugger, SIGSTOP\) or too busy/);
});
