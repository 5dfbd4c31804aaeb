// The echo service (Deno): POST /echo answers its body; /echo/ws greets "real echo" and echoes frames.
import { joinHub } from "crossipc";

const port = Number(Deno.env.get("CROSSIPC_HUB_PORT"));
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
  const url = new URL(request.url);
  if (url.pathname === "/echo/ws") {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => socket.send("real echo");
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  }
  if (url.pathname.startsWith("/echo")) {
    return new Response(await request.arrayBuffer(), { status: 200, headers: { "x-served-by": "echo", "content-type": request.headers.get("content-type") ?? "application/octet-stream" } });
  }
  return new Response("no", { status: 404 });
});
await joinHub(port, { runtimeId: "echo-deno", entries: [{ api: "echo", baseUrl: `http://127.0.0.1:${server.addr.port}`, pathPrefix: "/echo" }] });
console.log("echo ready", server.addr.port);
