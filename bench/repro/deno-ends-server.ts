// @ts-nocheck -- a measuring script run by Deno only (its globals untyped here), not part of the package or the bench.
// Session 26 (bench/ANALYSIS.md, "Session 26: Deno and Node"): one Deno server process of bench/repro/deno-ends.mjs. mode: raw | crossipc | nojournal | answer | min (session 29: the protocol's minimum on Deno.upgradeWebSocket) | direct (session 29: crossipc without its TCP front)
// raw: Deno.upgradeWebSocket echo (the bench's limit). crossipc: IPCServer as bench/host.ts (journal on).
// answer: Deno.upgradeWebSocket answering each request frame `r:ID:echo:DATA` with a fixed success frame for ID (client-end isolation).
const WT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const mode = Deno.args[0] ?? "crossipc";
let port: number;
const handlers = new Map<string, (p: unknown) => unknown>([["echo", (p: unknown) => p]]);
if (mode === "raw" || mode === "answer" || mode === "min") {
  const answerTail = ':echo:{"success":true,"data":' + JSON.stringify({ id: 12345, name: "user-12345", email: "user12345@example.com", roles: ["reader", "writer"], active: true, score: 0.75 }) + "}";
  port = await new Promise<number>((resolve) => {
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) }, (request) => {
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
      if (mode === "raw") socket.onmessage = (event) => socket.send(event.data);
      else if (mode === "min") socket.onmessage = (event) => {
        // Session 29: only what the protocol asks of a server (bench/node-ab-server.ts's `min`).
        const text = event.data as string;
        const id = text.indexOf(":", 2), path = text.indexOf(":", id + 1);
        const name = text.slice(id + 1, path);
        const result = handlers.get(name)!(JSON.parse(text.slice(path + 1)));
        socket.send("s:" + text.slice(2, id) + ":" + name + ':{"success":true,"data":' + JSON.stringify(result) + "}");
      };
      else socket.onmessage = (event) => {
        const d = event.data as string;
        socket.send("s" + d.slice(1, d.indexOf(":", 2)) + answerTail);
      };
      return response;
    });
  });
} else {
  const m = await import(`${WT}/adapters/deno.ts`);
  // direct (session 29): journal on, no TCP front (`resettableConnections: false`): IPCServer on Deno.serve's WebSocket, as `min` is.
  const server = new m.IPCServer(0, mode === "nojournal" ? { journal: false } : mode === "direct" ? { resettableConnections: false } : {});
  if (!(await server.start())) throw new Error("no start");
  server.onFrameworkMessage("echo", (p: unknown) => p);
  port = server.getPort();
}
console.log(JSON.stringify({ port, pid: Deno.pid }));
for await (const _ of Deno.stdin.readable);
Deno.exit(0);
