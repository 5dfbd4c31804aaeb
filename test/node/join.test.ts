/**
 * joinHub in one Node process: several members on one port, leadership moving when the
 * leader leaves, entries re-sent on every connection, a CLI hub locking out bids, and
 * requests failing fast while no hub is reachable.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import process from "node:process";
import { test } from "node:test";
import { HubError, IPCServer, ServiceHub, joinHub, type HubMember } from "../../adapters/node.ts";
import { freePort } from "../fixtures/compat/scenarios.ts";
import { rejection, startBackend, waitFor } from "./_helpers.ts";

async function service(t: { after(fn: () => unknown): void }, name: string) {
  const backend = await startBackend(t, (req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name, url: req.url })));
  return { api: name, baseUrl: backend.url, pathPrefix: `/${name}` };
}

/** The service's name as answered through the hub, or the HTTP status when it does not answer. */
async function through(port: number, name: string): Promise<string | number> {
  const response = await fetch(`http://127.0.0.1:${port}/${name}/x`);
  if (response.status !== 200) return (await response.body?.cancel(), response.status);
  return ((await response.json()) as { name: string }).name;
}

async function reachable(port: number, names: string[]): Promise<void> {
  for (const name of names) {
    const deadline = Date.now() + 10_000;
    while ((await through(port, name)) !== name) {
      if (Date.now() > deadline) throw new Error(`${name} not reachable through the hub on ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test("the first member leads, the others follow; everyone's routes are reachable", async (t) => {
  const port = await freePort();
  const entries = await Promise.all(["one", "two", "three"].map((name) => service(t, name)));
  const members: HubMember[] = [];
  t.after(() => Promise.all(members.map((m) => m.leave())));
  for (const [i, entry] of entries.entries()) members.push(await joinHub(port, { runtimeId: `m${i}`, entries: [entry] }));
  assert.deepEqual(members.map((m) => m.role), ["leader", "follower", "follower"]);
  assert.ok(members[0]!.hub instanceof ServiceHub);
  assert.equal(members[1]!.hub, undefined);
  assert.equal(members[2]!.url, `http://127.0.0.1:${port}`);
  await reachable(port, ["one", "two", "three"]);
  assert.equal(await members[2]!.discover("one"), `http://127.0.0.1:${port}`);
  assert.equal(await members[0]!.discover("three"), `http://127.0.0.1:${port}`);
  const missing = await rejection(members[1]!.discover("nobody"));
  assert.ok(missing instanceof HubError);
  assert.equal(missing.code, "ERR_HUB_NOT_REGISTERED");
  assert.equal(missing.message, "Service 'nobody' is not registered! Did you forget to start it?");
});

test("when the leader leaves, exactly one follower takes over and every survivor's routes come back", async (t) => {
  const port = await freePort();
  const entries = await Promise.all(["a", "b", "c"].map((name) => service(t, name)));
  const members: HubMember[] = [];
  t.after(() => Promise.all(members.map((m) => m.leave())));
  for (const entry of entries) members.push(await joinHub(port, { entries: [entry] }));
  const changes: string[] = [];
  members[1]!.onRoleChange((role) => changes.push(`b:${role}`));
  members[2]!.onRoleChange((role) => changes.push(`c:${role}`));
  await members[0]!.leave();
  assert.equal(members[0]!.role, "left", "a member that left neither leads nor follows");
  const survivors = members.slice(1);
  await waitFor(() => survivors.some((m) => m.role === "leader") && survivors.every((m) => m.connected), "a new leader and both survivors connected", 10_000);
  assert.deepEqual(members.slice(1).map((m) => m.role).sort(), ["follower", "leader"]);
  assert.equal(changes.length, 1, `one role change: ${changes}`);
  await reachable(port, ["b", "c"]);
  assert.equal(await through(port, "a"), 404);
  const leader = survivors.find((m) => m.role === "leader")!;
  assert.deepEqual(leader.hub!.routes().map((r) => r.api).sort(), ["b", "c"]);
});

test("register() adds routes that are re-sent after a failover; unregister() removes them", async (t) => {
  const port = await freePort();
  const [x, y] = await Promise.all(["x", "y"].map((name) => service(t, name)));
  const leader = await joinHub(port);
  const follower = await joinHub(port);
  t.after(() => Promise.all([leader.leave(), follower.leave()]));
  await follower.register([x!]);
  await leader.register([y!]);
  await reachable(port, ["x", "y"]);
  await leader.leave();
  await waitFor(() => follower.role === "leader" && follower.connected, "the follower leading", 10_000);
  await reachable(port, ["x"]);
  await follower.unregister([x!]);
  assert.equal(await through(port, "x"), 404);
  await assert.rejects(follower.register([{ api: "bad", baseUrl: "nope", pathPrefix: "/bad" }]), /baseUrl/);
});

test("a member that reached a CLI hub never bids; while no hub is up its requests fail fast", async (t) => {
  const port = await freePort();
  const entry = await service(t, "svc");
  const bin = new ServiceHub(port, { kind: "bin" });
  assert.equal(await bin.start(), true);
  const member = await joinHub(port, { entries: [entry], maxRetryDelay: 100 });
  t.after(() => member.leave());
  assert.equal(member.role, "follower");
  await reachable(port, ["svc"]);
  await bin.teardown();
  await waitFor(() => !member.connected, "the member noticing the hub is gone");
  const started = Date.now();
  const error = await rejection(member.discover("svc"));
  assert.ok(error instanceof HubError);
  assert.equal(error.code, "ERR_HUB_UNAVAILABLE");
  assert.ok(Date.now() - started < 1000, "rejected at once, not queued");
  await rejection(member.register([entry]));
  // The member keeps the port free for the CLI hub: nothing binds it while we wait.
  await new Promise((r) => setTimeout(r, 300));
  const probe = new IPCServer(port);
  assert.equal(await probe.start(), true, "the member did not take the port");
  await probe.teardown();
  assert.equal(member.role, "follower");
  // A CLI hub comes back: the member reconnects and re-sends its own entries.
  const again = new ServiceHub(port, { kind: "bin" });
  assert.equal(await again.start(), true);
  t.after(() => again.teardown());
  await waitFor(() => member.connected, "the member reconnecting", 10_000);
  await reachable(port, ["svc"]);
});

test("an embedded leader asked to yield hands the port over and follows the newcomer", async (t) => {
  const port = await freePort();
  const entry = await service(t, "mine");
  const member = await joinHub(port, { entries: [entry] });
  t.after(() => member.leave());
  assert.equal(member.role, "leader");
  const bin = new ServiceHub(0, { kind: "bin" });
  t.after(() => bin.teardown());
  const { IPCClient } = await import("../../adapters/node.ts");
  const asker = new IPCClient(port);
  await asker.connect();
  await asker.sendFrameworkRequest("discovery/requestYield" as never, undefined as never);
  asker.disconnect();
  const takeover = new ServiceHub(port, { kind: "bin" });
  const deadline = Date.now() + 5000;
  while (!(await takeover.start())) {
    if (Date.now() > deadline) throw new Error("the leader did not yield the port");
    await new Promise((r) => setTimeout(r, 20));
  }
  t.after(() => takeover.teardown());
  await waitFor(() => member.role === "follower" && member.connected, "the old leader following", 10_000);
  await reachable(port, ["mine"]);
});

test("joinHub refuses a port no other member could know, naming it", async () => {
  const expected = "port must be a whole number from 1 to 65535 (a port every member knows), got";
  await assert.rejects(joinHub(0), { name: "RangeError", message: `${expected} 0` });
  await assert.rejects(joinHub(70000), { name: "RangeError", message: `${expected} 70000` });
  await assert.rejects(joinHub("99999"), { name: "RangeError", message: `${expected} "99999"` });
  await assert.rejects(joinHub("http://127.0.0.1:9000"), { name: "TypeError", message: `${expected} "http://127.0.0.1:9000"` });
});

test("joinHub takes a port in digits (one read from the environment), as IPCServer and IPCClient do", async (t) => {
  const port = await freePort();
  const members: HubMember[] = [];
  // The follower first: the leader leaving first would make it bid.
  t.after(async () => {
    for (const member of members.reverse()) await member.leave();
  });
  const leader = await joinHub(String(port), { runtimeId: "digits-leader" });
  members.push(leader);
  const follower = await joinHub(String(port), { runtimeId: "digits-follower" });
  members.push(follower);
  assert.deepEqual([leader.role, follower.role], ["leader", "follower"]);
  assert.equal(leader.hub?.getPort(), port);
  assert.equal(follower.url, `http://127.0.0.1:${port}`);
});

test("joinHub rejects with ERR_HUB_UNAVAILABLE when the port is held by something that is not a hub", async (t) => {
  const blocker = createServer(() => {}).listen(0, "127.0.0.1");
  await new Promise((resolve) => blocker.once("listening", resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const error = await rejection(joinHub(port, { joinTimeout: 1500, connectTimeout: 300 }));
  assert.ok(error instanceof HubError);
  assert.equal(error.code, "ERR_HUB_UNAVAILABLE");
  assert.match(error.message, new RegExp(`port ${port}`));
  // Why, not only that it gave up: the port is taken, and what holds it did not answer the handshake.
  assert.match(error.message, /the port is in use, and reaching a hub on it failed: Connection timeout to ws:\/\/127\.0\.0\.1:\d+ after 300ms$/);
});

test("joinHub's timeout names a plain HTTP server holding the port", async (t) => {
  // What took the hub bench's port once: another program's server, answering HTTP but not as a hub.
  const blocker = createHttpServer((_request, response) => response.writeHead(404).end()).listen(0, "127.0.0.1");
  await new Promise((resolve) => blocker.once("listening", resolve));
  t.after(() => (blocker.closeAllConnections(), blocker.close()));
  const port = (blocker.address() as { port: number }).port;
  const error = await rejection(joinHub(port, { joinTimeout: 1500, connectTimeout: 300 }));
  assert.ok(error instanceof HubError);
  assert.match(error.message, new RegExp(`port ${port} within 1500ms: the port is in use, and reaching a hub on it failed: Cannot connect to IPC server at ws://127\\.0\\.0\\.1:${port}: .*404`));
});

test("a follower whose process has nothing else to do stays alive through a failover and takes over", async (t) => {
  const port = await freePort();
  const leader = await joinHub(port);
  t.after(() => leader.leave());
  // A process whose only handle is its membership: between the old leader's going and its own
  // bid it must not exit (an unref'd retry timer let Node end it with "unsettled top-level await").
  const script = [
    `import { joinHub } from ${JSON.stringify(new URL("../../adapters/node.ts", import.meta.url).href)};`,
    `const member = await joinHub(${port}, { runtimeId: "bare" });`,
    `console.log("joined " + member.role);`,
    `const role = await new Promise((resolve) => member.onRoleChange(resolve));`,
    `console.log("now " + role);`,
    `await member.leave();`,
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await waitFor(() => out.includes("joined follower"), "the child following", 10_000);
  await leader.leave();
  assert.equal(await exited, 0);
  assert.match(out, /now leader/);
});
