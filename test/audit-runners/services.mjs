// Two services with nested prefixes (users at /users, prefs at /users/prefs), a gzip answer, a
// binary answer, a JSON echo and a WebSocket echo; registered with IPCClient as grest-ts does.
import http from "node:http";
import zlib from "node:zlib";
import { IPCClient, HubRequests } from "crossipc";
import { WebSocketServer } from "ws";

const port = Number(process.env.CROSSIPC_HUB_PORT);
function serve(name) {
  const server = http.createServer(async (req, res) => {
    const chunks = []; for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (req.url.startsWith("/users/gz")) {
      const z = zlib.gzipSync(Buffer.from("hello ".repeat(200)));
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": z.length }); return res.end(z);
    }
    if (req.url.startsWith("/users/bin")) { res.writeHead(200, { "content-type": "application/octet-stream" }); return res.end(Buffer.from([0xff, 0xfe, 0, 1, 2])); }
    res.writeHead(200, { "content-type": "application/json", "x-served-by": name });
    res.end(JSON.stringify({ by: name, url: req.url, method: req.method, body: body.toString("latin1") }));
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => { ws.send(`hello from ${name}`); ws.on("message", (d, bin) => ws.send(d, { binary: bin })); });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${server.address().port}`)));
}
const users = await serve("users"), prefs = await serve("prefs");
const client = new IPCClient(port);
await client.connect("audit-svc");
await client.sendFrameworkRequest(HubRequests.register, [
  { api: "users", baseUrl: users, pathPrefix: "/users" },
  { api: "prefs", baseUrl: prefs, pathPrefix: "/users/prefs" },
]);
console.log("svc ready");
