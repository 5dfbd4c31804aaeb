// @ts-nocheck -- a measuring script run by Deno only (its globals untyped here), not part of the package or the bench.
// Session 26: one Deno client process of bench/repro/deno-ends.mjs. kind: raw (Deno WebSocket, a fixed request frame, answers only counted) | rawmt, rawp, rawpd (sent from a microtask; a promise per request; and the answer decoded) | sock (IPCSocket on Deno's WebSocket) | ipc, ipcnative (IPCClient, promise loop as the bench; on Deno's own WebSocket class)
// Each stdin line (ms) runs a loop that long and prints the count.
const WT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const [kind, portArg] = Deno.args;
const port = Number(portArg);
const payload = { id: 12345, name: "user-12345", email: "user12345@example.com", roles: ["reader", "writer"], active: true, score: 0.75 };
let run: (ms: number) => Promise<number>;
if (kind === "raw" || kind === "rawmt" || kind === "rawp" || kind === "rawpd" || kind === "rawpds" || kind === "rawpdt" || kind === "rawpdr" || kind === "rawpdm" || kind === "rawpdn") {
  // rawpdt (session 28): rawpds with one unref'd timer armed far ahead for the whole run, as IPCSocket's shared timeout timer is
  if (kind === "rawpdt") Deno.unrefTimer(setTimeout(() => {}, 3_600_000));
  // rawpdr (session 28, Deno client): the same timer not unref'd, as IPCSocket's is where no adapter registered Deno.unrefTimer (the `sock` kind)
  if (kind === "rawpdr") setTimeout(() => {}, 3_600_000);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection`);
  await new Promise((r) => (ws.onopen = r));
  const frame = "r:1:echo:" + JSON.stringify(payload);
  let stop = 0, count = 0, done: ((n: number) => void) | undefined;
  const next = () => {
    count++;
    if (performance.now() < stop) ws.send(frame);
    else { const d = done; done = undefined; d?.(count); }
  };
  // raw: send from the message event; rawmt: from a microtask queued in it; rawp: a promise per request settled in it, sent from its continuation; rawpd: the same, with the answer's DATA JSON.parse'd
  if (kind === "raw") ws.onmessage = next;
  else if (kind === "rawmt") ws.onmessage = () => queueMicrotask(next);
  else {
    let settle: ((v: unknown) => void) | undefined;
    const decode = kind === "rawpd" || kind === "rawpds" || kind === "rawpdt" || kind === "rawpdr" || kind === "rawpdm" || kind === "rawpdn";
    // rawpdm (session 28): rawpds with the settle kept in a Map under the request's id string, found by the id cut from the answer, as IPCSocket's #pending; rawpdn: the same Map keyed by the id as a number
    const byId = new Map();
    if (kind === "rawpdm" || kind === "rawpdn") ws.onmessage = (e) => { const t = e.data as string; const b = t.indexOf(":", 2); const key = kind === "rawpdm" ? t.slice(2, b) : Number(t.slice(2, b)); const s = byId.get(key); byId.delete(key); s(JSON.parse(t.slice(t.indexOf(":", b + 1) + 1))); };
    else ws.onmessage = (e) => { const s = settle!; settle = undefined; if (decode) { const t = e.data as string; s(JSON.parse(t.slice(t.indexOf(":", t.indexOf(":", 2) + 1) + 1))); } else s(undefined); };
    // rawpds: as rawpd, the request frame built per request as IPCSocket builds it (a new id, the payload stringified, joined with +)
    let id = 0;
    const frameOf = kind === "rawpds" || kind === "rawpdt" || kind === "rawpdr" || kind === "rawpdm" || kind === "rawpdn" ? () => "r:" + String(++id) + ":echo:" + JSON.stringify(payload) : () => frame;
    run = async (ms) => { let n = 0; const end = performance.now() + ms; while (performance.now() < end) { await new Promise((r) => { settle = r; ws.send(frameOf()); }); n++; } return n; };
    if (kind === "rawpdm") run = async (ms) => { let n = 0; const end = performance.now() + ms; while (performance.now() < end) { await new Promise((r) => { const k = String(++id); byId.set(k, r); ws.send("r:" + k + ":echo:" + JSON.stringify(payload)); }); n++; } return n; };
    if (kind === "rawpdn") run = async (ms) => { let n = 0; const end = performance.now() + ms; while (performance.now() < end) { await new Promise((r) => { const k = ++id; byId.set(k, r); ws.send("r:" + String(k) + ":echo:" + JSON.stringify(payload)); }); n++; } return n; };
  }
  if (kind === "raw" || kind === "rawmt") run = (ms) => new Promise((resolve) => { count = 0; stop = performance.now() + ms; done = resolve; ws.send(frame); });
} else if (kind === "sock" || kind === "sockone" || kind === "sockold") {
  // IPCSocket (attached: its own listeners) on Deno's own WebSocket, no IPCClient; sockold: src/IPCSocket.old.ts, a copy of an older version put there for an A/B (not in the repository)
  const { IPCSocket } = await import(kind === "sockold" ? `${WT}/src/IPCSocket.old.ts` : `${WT}/src/IPCSocket.ts`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection`);
  await new Promise((r) => (ws.onopen = r));
  // sockone: the socket fed from one `onmessage` (attach: false) instead of its three listeners
  const sock = new IPCSocket(ws, kind === "sockone" ? { attach: false } : {});
  if (kind === "sockone") ws.onmessage = (event) => sock.receive(event.data as string);
  run = async (ms) => { const end = performance.now() + ms; let n = 0; while (performance.now() < end) { await sock.request("echo", payload); n++; } return n; };
} else {
  const { IPCClient } = await import(`${WT}/adapters/deno.ts`);
  const client = new IPCClient(port, kind === "ipcnative" ? { WebSocket: globalThis.WebSocket as never } : {});
  await client.connect("bench");
  run = async (ms) => {
    const end = performance.now() + ms;
    let count = 0;
    while (performance.now() < end) { await client.sendFrameworkRequest("echo", payload); count++; }
    return count;
  };
}
await run(500);
console.log(JSON.stringify({ pid: Deno.pid }));
const dec = new TextDecoder();
let buf = "";
for await (const chunk of Deno.stdin.readable) {
  buf += dec.decode(chunk);
  let i;
  while ((i = buf.indexOf("\n")) !== -1) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    console.log(String(await run(Number(line))));
  }
}
Deno.exit(0);
