// The users service (Node, node:http), registered the grest-ts way with IPCClient.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { IPCClient, HubRequests } from "crossipc";

const port = Number(process.env.CROSSIPC_HUB_PORT);
const server = http.createServer((req, res) => {
  const m = req.url!.match(/^\/users\/([^/?]+)(\/orders)?/);
  if (!m) { res.writeHead(404).end(); return; }
  res.writeHead(200, { "content-type": "application/json", "x-served-by": "users" });
  res.end(JSON.stringify(m[2] ? { id: m[1], orders: ["real-order"] } : { id: m[1], name: "real", url: req.url }));
});
server.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const client = new IPCClient(port);
await client.connect("users-node");
await client.sendFrameworkRequest(HubRequests.register, [{ api: "users", baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pathPrefix: "/users" }]);
console.log("users ready");
