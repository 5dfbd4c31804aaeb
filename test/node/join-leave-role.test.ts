/**
 * `leave()` is not a demotion: a leader that left told its role listeners `"follower"`, and a
 * listener that starts follower work on it did so for a process that was going away. Every member
 * that leaves now hears `"left"` once (leader or follower), nothing after it, and `role` says
 * `"left"`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { joinHub, type HubRole } from "../../adapters/node.ts";
import { freePort } from "../fixtures/_freePort.ts";
import { waitFor } from "./_helpers.ts";

test("a leader and a follower that leave hear 'left' once, never 'follower', and nothing after", async (t) => {
  const port = await freePort();
  const leader = await joinHub(port);
  const follower = await joinHub(port);
  t.after(() => Promise.all([leader.leave(), follower.leave()]));
  assert.deepEqual([leader.role, follower.role], ["leader", "follower"]);
  const heard = { leader: [] as HubRole[], follower: [] as HubRole[] };
  leader.onRoleChange((role) => heard.leader.push(role));
  follower.onRoleChange((role) => heard.follower.push(role));

  await leader.leave();
  assert.deepEqual(heard.leader, ["left"]);
  assert.equal(leader.role, "left");
  // The follower takes over: its own change, while the member that left hears nothing more.
  await waitFor(() => follower.role === "leader" && follower.connected, "the follower leading", 10_000);
  await follower.leave();
  assert.deepEqual(heard.follower, ["leader", "left"]);
  assert.equal(follower.role, "left");
  // A member that leaves while it follows.
  const [first, second] = [await joinHub(port), await joinHub(port)];
  t.after(() => Promise.all([first.leave(), second.leave()]));
  const heardSecond: HubRole[] = [];
  second.onRoleChange((role) => heardSecond.push(role));
  assert.equal(second.role, "follower");
  await second.leave();
  assert.deepEqual(heardSecond, ["left"]);
  await leader.leave();
  assert.deepEqual(heard.leader, ["left"], "a second leave() says nothing");
});
