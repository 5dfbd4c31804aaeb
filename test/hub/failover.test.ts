/**
 * Failover across runtimes: six members (two Node, two Bun, two Deno processes) join the hub
 * on one port, each with its own HTTP + WebSocket service. The leader is SIGKILLed again and
 * again; after each kill exactly one survivor leads, and every surviving service answers
 * through the hub's URL again, over HTTP and WebSocket.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { deadPort } from "../matrix/_backend.ts";
import { start, waitExit, type Child, type Runtime } from "../matrix/_spawn.ts";

const KILLS = 4;

interface Member {
  name: string;
  child: Child;
  role: string;
}

test("six members in three runtimes: SIGKILL the leader four times in a row", async (t) => {
  const port = await deadPort();
  const runtimes: Runtime[] = ["node", "bun", "deno", "node", "bun", "deno"];
  const members: Member[] = runtimes.map((runtime, i) => ({
    name: `${runtime}${i}`,
    child: start(runtime, "test/fixtures/hub-member.ts", ["--port", String(port), "--name", `${runtime}${i}`]),
    role: "?",
  }));
  t.after(() => members.forEach((m) => m.child.proc.kill("SIGKILL")));
  const joined = await Promise.all(members.map((m) => m.child.nextJson<{ joined: boolean; role: string }>(60_000, "joined")));
  joined.forEach((line, i) => (members[i]!.role = line.role));
  for (const m of members) void follow(m);

  let alive = members;
  for (let kill = 0; kill <= KILLS; kill++) {
    await allAnswer(port, alive);
    const leaders = alive.filter((m) => m.role === "leader");
    assert.equal(leaders.length, 1, `exactly one leader after ${kill} kill(s): ${alive.map((m) => `${m.name}=${m.role}`).join(" ")}`);
    if (kill === KILLS) break;
    const leader = leaders[0]!;
    leader.child.proc.kill("SIGKILL");
    await leader.child.exited;
    alive = alive.filter((m) => m !== leader);
    t.diagnostic(`kill ${kill + 1}: ${leader.name} (the leader) killed; ${alive.length} left`);
    // Wait for a new leader before checking: a role line arrives when one took over.
    await until(() => alive.filter((m) => m.role === "leader").length >= 1, `a new leader after killing ${leader.name}`);
  }

  for (const m of alive) m.child.proc.stdin.end();
  for (const m of alive) assert.equal(await waitExit(m.child, 15_000, "exit after leaving"), 0, `${m.name}: ${m.child.stderr()}`);
});

/** Keeps `member.role` up to date from the role lines its process prints. */
async function follow(member: Member): Promise<void> {
  for (;;) {
    const line = await member.child.nextJson<{ role?: string }>(600_000, "role change").catch(() => undefined);
    if (!line) return;
    if (line.role) member.role = line.role;
  }
}

/** Every member's service answers through the hub, over HTTP and over WebSocket. */
async function allAnswer(port: number, members: Member[]): Promise<void> {
  for (const { name } of members) {
    await until(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/${name}/hello`).catch(() => undefined);
      if (response?.status !== 200) return (await response?.body?.cancel(), false);
      return ((await response.json()) as { service: string }).service === name;
    }, `${name} over HTTP through the hub`);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/${name}/ws`);
    await once(ws, "open");
    ws.send("ping");
    assert.equal(String((await once(ws, "message"))[0]), `${name}:ping`);
    ws.close();
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
