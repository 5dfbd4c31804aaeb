// SPEC §11–12: a fault's `match.api` and a replay's `api` name a registered api. The hub routes a
// request to the api with the longest prefix of its path, so with `users` at `/users` and `prefs`
// at `/users/prefs`, `/users/prefs/1` is prefs' request: a fault or replay limited to `users`
// must leave it alone (both took it, as `/users/prefs/1` starts with `/users`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks, ServiceHub } from "../../adapters/node.ts";
import { startBackend } from "./_helpers.ts";
import { har, harEntry } from "./_harEntry.ts";

async function hubWithNestedApis(t: { after(fn: () => unknown): void }) {
  const users = await startBackend(t, (_req, res) => res.end("users"));
  const prefs = await startBackend(t, (_req, res) => res.end("prefs"));
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  hub.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });
  hub.addRoute({ api: "prefs", baseUrl: prefs.url, pathPrefix: "/users/prefs" });
  return hub;
}

const text = async (url: string, headers?: Record<string, string>) => {
  const response = await fetch(url, { headers });
  return `${response.status} ${await response.text()}`;
};

test("server.fault({ api }) faults the requests the hub sends to that api, not another api's under a longer prefix", async (t) => {
  const hub = await hubWithNestedApis(t);
  const url = hub.getUrl();
  const fault = hub.server.fault({ api: "users" }, { status: 503 });
  assert.equal(await text(`${url}/users/1`), '503 {"error":"Fault injected"}');
  assert.equal(await text(`${url}/users/prefs/1`), "200 prefs", "prefs' request is not users'");
  assert.equal(fault.hits, 1);
  fault.remove();
  hub.server.fault({ api: "prefs" }, { status: 502 });
  assert.equal(await text(`${url}/users/prefs/1`), '502 {"error":"Fault injected"}');
  assert.equal(await text(`${url}/users/1`), "200 users");
});

test("scope.fault and scope.replay with an api, from another process, the same", async (t) => {
  const hub = await hubWithNestedApis(t);
  const url = hub.getUrl();
  const mocks = await connectMocks(url);
  t.after(() => mocks.close());
  const faulted = mocks.scope();
  await faulted.fault({ api: "users" }, { status: 503 });
  assert.equal(await text(`${url}/users/1`, faulted.headers), '503 {"error":"Fault injected"}');
  assert.equal(await text(`${url}/users/prefs/1`, faulted.headers), "200 prefs");

  const replayed = mocks.scope();
  const replay = await replayed.replay(har(harEntry("GET", "/users/1", 200, "recorded")), { api: "users", onMiss: "404" });
  assert.equal(await text(`${url}/users/1`, replayed.headers), "200 recorded");
  assert.equal(await text(`${url}/users/prefs/1`, replayed.headers), "200 prefs", "onMiss 404 is for users' requests only");
  const miss = await fetch(`${url}/users/2`, { headers: replayed.headers });
  assert.equal(miss.status, 404);
  assert.match((await miss.json()).error, /No recorded answer for GET \/users\/2/);
});

test("once an api's service is gone, its prefix is still its own, under a shorter catch-all api", async (t) => {
  const hub = await hubWithNestedApis(t);
  const site = await startBackend(t, (_req, res) => res.end("site"));
  hub.addRoute({ api: "site", baseUrl: site.url, pathPrefix: "/" });
  hub.removeRoute("users");
  hub.server.fault({ api: "users" }, { status: 503 });
  assert.equal(await text(`${hub.getUrl()}/users/1`), '503 {"error":"Fault injected"}', "users' prefix, though site takes it now");
  assert.equal(await text(`${hub.getUrl()}/users/prefs/1`), "200 prefs");
  assert.equal(await text(`${hub.getUrl()}/other`), "200 site");
});
