/**
 * A test process the soak kills with SIGKILL mid-use: a framework client with a route, a
 * connectMocks connection with a scope, rules and a fault, and a proxied WebSocket left open.
 *   victim.ts --port N --backend URL     prints "ready" once all of it is in place
 */
import process from "node:process";
import { crossipc } from "../fixtures/_crossipc.ts";
import WebSocket from "ws";

const argv = process.argv.slice(2);
const port = Number(argv[argv.indexOf("--port") + 1]);
const backend = argv[argv.indexOf("--backend") + 1]!;
const client = new crossipc.IPCClient(port);
await client.connect(`victim-${process.pid}`);
await client.sendFrameworkRequest(crossipc.HubRequests.register as never, [{ api: "victim", baseUrl: backend, pathPrefix: `/victim-${process.pid % 7}` }] as never);
const mocks = await crossipc.connectMocks(port);
const scope = mocks.scope();
await scope.intercept("GET", "/victim/:id", (_b, params) => ({ id: params.id }));
await mocks.fault({ path: "/never/*" }, { latency: 5 });
await scope.interceptWebSocket("/victim-ws", (socket) => socket.onMessage((m) => socket.send(m)));
const ws = new WebSocket(`ws://127.0.0.1:${port}/victim-${process.pid % 7}/ws`);
await new Promise((resolve, reject) => (ws.on("open", resolve), ws.on("error", reject)));
const mock = new WebSocket(`ws://127.0.0.1:${port}/victim-ws`, { headers: scope.headers } as never);
await new Promise((resolve, reject) => (mock.on("open", resolve), mock.on("error", reject)));
console.log("ready");
setInterval(() => {}, 1000);
