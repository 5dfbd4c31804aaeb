/**
 * The main job in miniature: a local service hub, a service that registers with it over IPC,
 * a worker the hub can call by runtimeId, a mocked route and a spy. Run: `npm run demo`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { IPCClient, IPCServer } from "../adapters/node.ts";

interface Route {
  api: string;
  baseUrl: string;
  pathPrefix: string;
}
const Discovery = {
  register: IPCServer.defineRequest<Route[], void>("discovery/register"),
};
const Worker = {
  runJob: IPCClient.defineRequest<{ job: string }, { done: string; by: string }>("worker/runJob"),
};

const say = (step: string, detail: unknown = "") => console.log(`• ${step}`, typeof detail === "string" ? detail : JSON.stringify(detail));

// 1. The hub: the first process to bind the port becomes the leader.
const hub = new IPCServer(0);
say("hub started as leader:", String(await hub.start()));
say("hub listening at", hub.getUrl());
const routes: Route[] = [];
hub.onFrameworkMessage(Discovery.register, async (entries, msg) => {
  routes.push(...entries);
  say(`hub: ${msg.clientId} registered`, entries.map((e) => e.pathPrefix));
});
hub.setRouteProxyResolver((path) => routes.find((r) => path.startsWith(r.pathPrefix))?.baseUrl);

// 2. A small "users" service with HTTP and WebSocket, registering its prefix over IPC.
const users = http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ service: "users", method: req.method, url: req.url }));
});
const usersWs = new WebSocketServer({ server: users });
usersWs.on("connection", (ws) => ws.on("message", (data) => ws.send(`users-ws echo: ${data}`)));
await new Promise<void>((resolve) => users.listen(0, "127.0.0.1", resolve));
const usersUrl = `http://127.0.0.1:${(users.address() as AddressInfo).port}`;
const service = new IPCClient(hub.getPort());
await service.connect();
await service.sendFrameworkRequest(Discovery.register, [{ api: "users", baseUrl: usersUrl, pathPrefix: "/users" }]);

// 3. A worker with a runtimeId that the hub can call.
const worker = new IPCClient(hub.getPort());
worker.onFrameworkRequest(Worker.runJob, async ({ job }) => ({ done: job.toUpperCase(), by: "worker-1" }));
await worker.connect("worker-1");
say("worker connected as", "worker-1");

// 4. Through the hub's proxy to the real service, HTTP and WebSocket.
say("GET /users/7 via hub →", await (await fetch(`${hub.getUrl()}/users/7?fields=name`)).json());
const ws = new WebSocket(`ws://127.0.0.1:${hub.getPort()}/users/live`);
await new Promise((resolve) => ws.once("open", resolve));
ws.send("hello");
say("WebSocket via hub →", String(await new Promise((resolve) => ws.once("message", resolve))));
ws.close();

// 5. A mock: the hub answers this route itself, with the path param.
hub.interceptHttp("GET", "/users/:id", async (_body, params) => ({ id: params.id, name: "Mock User" }));
say("mocked GET /users/42 →", await (await fetch(`${hub.getUrl()}/users/42`)).json());
hub.removeInterceptHttp("GET", "/users/:id");

// 6. A spy: observe the request, forward it to the real service, return the real answer.
hub.interceptRequest("POST", "/users", async (request) => {
  say("spy saw body", await request.clone().json());
  const real = await fetch(`${usersUrl}/users`, { method: "POST", headers: request.headers, body: await request.text() });
  say("spy saw status", String(real.status));
  return real;
});
say("POST /users via spy →", await (await fetch(`${hub.getUrl()}/users`, { method: "POST", body: '{"name":"Ada"}', headers: { "content-type": "application/json" } })).json());

// 7. The hub calls the worker by runtimeId.
say("hub → worker-1 runJob →", await hub.sendFrameworkMessage("worker-1", Worker.runJob, { job: "build report" }));

// 8. Clean teardown.
service.disconnect();
worker.disconnect();
await hub.teardown();
usersWs.close();
users.closeAllConnections();
await new Promise((resolve) => users.close(resolve));
say("all stopped");
