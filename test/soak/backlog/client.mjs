// A client in its own process (Bun WebSocket, or crossipc's IPCClient on its runtime): sends COUNT requests at once, counts answers.
const port = Number(process.env.PORT), COUNT = Number(process.env.COUNT), kind = process.env.KIND;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (kind === "bunws") {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=bunws`);
  let got = 0, close = null;
  ws.onmessage = (e) => { if (String(e.data).startsWith("s:")) got++; };
  ws.onclose = (e) => { close = `${e.code} ${e.reason}`; };
  await new Promise((r) => (ws.onopen = r));
  for (let i = 1; i <= COUNT; i++) ws.send(`r:${i}:big:`);
  await sleep(300);
  console.log("SENT");
  const until = Date.now() + 60000;
  while (got < COUNT && close === null && Date.now() < until) await sleep(100);
  await sleep(300);
  console.log("RESULT " + JSON.stringify({ got, close, lost: COUNT - got }));
  process.exit(0);
} else {
  const runtime = typeof globalThis.Bun !== "undefined" ? "bun" : "node";
  const mod = await import(`../../../adapters/${runtime}.ts`);
  const client = new mod.IPCClient(port, { requestTimeout: 120000 });
  await client.connect("ipc");
  const big = mod.IPCClient.defineRequest("big");
  let got = 0; const errors = new Map();
  const all = Array.from({ length: COUNT }, () => client.sendFrameworkRequest(big, undefined).then(() => void got++, (e) => errors.set(e.message.slice(0, 80), (errors.get(e.message.slice(0, 80)) ?? 0) + 1)));
  await sleep(300);
  console.log("SENT");
  await Promise.race([Promise.all(all), sleep(60000)]);
  console.log("RESULT " + JSON.stringify({ got, lost: COUNT - got, errors: [...errors] }));
  process.exit(0);
}
