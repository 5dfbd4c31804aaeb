import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCClient, IPCServer } from "../../adapters/node.ts";
import { rawSocket, startServer } from "./_helpers.ts";

interface Entry {
  api: string;
  baseUrl: string;
  pathPrefix: string;
}
const register = IPCServer.defineRequest<Entry[], void>("discovery/register");

test("a hand-written register frame gets the original's answer", async (t) => {
  const server = await startServer(t);
  const seen: Entry[][] = [];
  server.onFrameworkMessage(register, async (routes) => void seen.push(routes));
  const raw = await rawSocket(server.getPort());
  raw.send('r:1:discovery/register:[{"api":"users","baseUrl":"http://127.0.0.1:4001","pathPrefix":"/users"}]');
  assert.equal(await raw.next(), 's:1:discovery/register:{"success":true}');
  assert.deepEqual(seen, [[{ api: "users", baseUrl: "http://127.0.0.1:4001", pathPrefix: "/users" }]]);
  raw.close();
});

test("DATA may contain ':' and comes back intact", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(IPCServer.defineRequest<unknown, unknown>("echo"), async (x) => x);
  const raw = await rawSocket(server.getPort());
  raw.send('r:7:echo:{"url":"http://a:1/b:c","t":"12:30:00"}');
  assert.equal(await raw.next(), 's:7:echo:{"success":true,"data":{"url":"http://a:1/b:c","t":"12:30:00"}}');
  raw.close();
});

test("every kind of bad input is answered or dropped, and the connection survives it", async (t) => {
  const server = await startServer(t);
  server.onFrameworkMessage(IPCServer.defineRequest<unknown, unknown>("echo"), async (x) => x);
  server.onFrameworkMessage(IPCServer.defineRequest<void, void>("boom"), async () => {
    throw new Error("handler exploded");
  });
  server.onFrameworkMessage(IPCServer.defineRequest<void, void>("nothing"), async () => undefined);
  const raw = await rawSocket(server.getPort());

  raw.send("r:1:nope:");
  assert.equal(await raw.next(), 's:1:nope:{"success":false,"error":"No handler for: nope"}');
  raw.send("r:2:boom:");
  assert.equal(await raw.next(), 's:2:boom:{"success":false,"error":"handler exploded"}');
  raw.send("r:3:nothing:");
  assert.equal(await raw.next(), 's:3:nothing:{"success":true}');
  raw.send("r:4:echo:{not json");
  assert.match(await raw.next(), /^s:4:echo:\{"success":false,"error":"Invalid JSON in request 'echo': .+"\}$/);

  // Dropped without an answer: garbage, unknown types, responses nobody waits for, binary.
  for (const junk of ["garbage", "", "x:1:echo:1", "s:999:echo:{\"success\":true}", "s:abc:echo:not json", "m::echo:{bad"]) raw.send(junk);
  raw.send(Buffer.from("r:5:echo:1"));

  raw.send("r:6:echo:42");
  assert.equal(await raw.next(), 's:6:echo:{"success":true,"data":42}');
  assert.equal(raw.frames.length, 0, "nothing else was answered");
  assert.equal(raw.ws.readyState, raw.ws.OPEN);
  raw.close();
});

test("server-to-client requests use the same framing, with ids chosen by the server", async (t) => {
  const server = await startServer(t);
  const raw = await rawSocket(server.getPort(), "?runtimeId=worker-1");
  const answer = server.sendFrameworkMessage("worker-1", IPCClient.defineRequest<{ job: string }, string>("worker/run"), { job: "a:b" });
  const frame = await raw.next();
  const match = /^r:(\d+):worker\/run:\{"job":"a:b"\}$/.exec(frame);
  assert.ok(match, frame);
  raw.send(`s:${match[1]}:worker/run:{"success":true,"data":"done"}`);
  assert.equal(await answer, "done");
  raw.close();
});
