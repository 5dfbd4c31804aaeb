// @ts-nocheck -- a measuring script run by Bun only (its globals untyped here), not part of the package or the bench.
// Session 29 (bench/ANALYSIS.md, "Session 29: the server end at one in flight"): a Bun server process for
// bench/repro/deno-ends.mjs (`SERVER=bun`), measured against a fixed Deno client. mode:
// raw (Bun.serve's WebSocket echoing) | min (Bun.serve answering as the protocol's minimum: the frame's id and path cut
// out, JSON.parse, the handler by the path, JSON.stringify) | crossipc (IPCServer as bench/host.ts: journal on, behind
// the front) | direct (the same without the front, `resettableConnections: false`: IPCServer on Bun.serve as `min` is).
const WT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const mode = process.argv[2] ?? "crossipc";
const handlers = new Map([["echo", (p) => p]]);
let port;
if (mode === "raw" || mode === "min") {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request, srv) {
      return srv.upgrade(request) ? undefined : new Response("no", { status: 404 });
    },
    websocket: {
      idleTimeout: 0,
      message: mode === "raw" ? (ws, text) => ws.send(text) : (ws, text) => {
        const id = text.indexOf(":", 2), path = text.indexOf(":", id + 1);
        const name = text.slice(id + 1, path);
        const result = handlers.get(name)(JSON.parse(text.slice(path + 1)));
        ws.send("s:" + text.slice(2, id) + ":" + name + ':{"success":true,"data":' + JSON.stringify(result) + "}");
      },
    },
  });
  port = server.port;
} else {
  const m = await import(`${WT}/adapters/bun.ts`);
  const server = new m.IPCServer(0, mode === "direct" ? { resettableConnections: false } : {});
  if (!(await server.start())) throw new Error("no start");
  server.onFrameworkMessage("echo", (p) => p);
  port = server.getPort();
}
console.log(JSON.stringify({ port, pid: process.pid }));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
