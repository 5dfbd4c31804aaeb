/**
 * What a hub's own front costs against the runtime's server alone (bench/deno-front.ts,
 * bench/bun-front.ts): hubs measured in alternating rounds in one run, one of them "direct":
 * - an intercept route, HTTP keep-alive, 50 connections (autocannon): requests/s and the hub's
 *   CPU per 1,000 requests;
 * - a framework request round trip over the IPC WebSocket at 1 in flight (a Node IPCClient);
 * - the HTTP proxy to a node:http backend, 50 connections (autocannon): a GET, and a POST of
 *   4 KiB and of 256 KiB (content-length), each with keep-alive and with a new connection per
 *   request (`connection: close`);
 * - the WebSocket proxy to the same backend's `ws` echo, ~100 B and 64 KiB messages, 16 in flight
 *   (a `ws` client): messages/s and the hub's CPU per 1,000 messages;
 * - framework requests of 64 KiB, 64 in flight (a Node IPCClient), and of ~100 B, 64 in flight.
 * FRONT_CASES=part,part runs only the cases whose names contain one of the parts; parts are split
 * on "|" instead when it holds one (case names hold commas: "HTTP proxy, 50 connections").
 * Each hub script prints `{"port":N,"pid":N}` and stops when stdin ends (Linux: CPU is read
 * from /proc). Ratios are taken per round, then their median.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import WebSocket, { WebSocketServer } from "ws";
import { IPCClient, IPCServer } from "../adapters/node.ts";

const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<any>;
const echo = IPCServer.defineRequest<number, number>("bench/echo");

/** A hub process to measure: `command` gets the backend's URL as its last argument. */
export interface HubSpec {
  mode: string;
  command: string[];
}

async function hub(spec: HubSpec, backendUrl: string) {
  const child = spawn(spec.command[0]!, [...spec.command.slice(1), backendUrl], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  const { port, pid } = JSON.parse(line) as { port: number; pid: number };
  return { mode: spec.mode, port, pid, stop: () => child.stdin!.end() };
}

/** User + system CPU seconds of a process so far (Linux). */
function cpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `keepAlive: false`: a new connection per request, the client saying `connection: close`. */
interface HttpLoad {
  method?: string;
  body?: Buffer;
  keepAlive?: boolean;
}

const http = (path: string, seconds: number, load: HttpLoad = {}) => async (port: number, pid: number) => {
  const { method = "GET", body, keepAlive = true } = load;
  const headers: Record<string, string> = keepAlive ? {} : { connection: "close" };
  // Not `reconnectRate: 1`: autocannon then counts no request at all; the server closes instead.
  const options = { method, ...(body ? { body } : {}), headers };
  const before = cpu(pid);
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: 50, duration: seconds, ...options });
  const count = result.requests.total as number;
  return { rate: count / result.duration, cpuPer1k: ((cpu(pid) - before) / count) * 1000, bad: result.non2xx + result.errors };
};

const rpc = (seconds: number) => async (port: number, pid: number) => {
  const client = new IPCClient(port);
  await client.connect("bench");
  for (let i = 0; i < 200; i++) await client.sendFrameworkRequest(echo as never, i as never);
  const before = cpu(pid);
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    await client.sendFrameworkRequest(echo as never, count as never);
    count++;
  }
  const ms = performance.now() - start;
  const used = cpu(pid) - before;
  client.disconnect();
  return { rate: (count / ms) * 1000, cpuPer1k: (used / count) * 1000, bad: 0 };
};

/** Framework requests of `bytes` echoed by the hub, `inflight` at a time (issue 20's 64 KiB × 64 line). */
const rpcBulk = (bytes: number, inflight: number, seconds: number) => async (port: number, pid: number) => {
  const client = new IPCClient(port);
  await client.connect("bench");
  const payload = "x".repeat(bytes);
  const send = () => client.sendFrameworkRequest(echo as never, payload as never);
  await Promise.all(Array.from({ length: inflight }, send));
  const before = cpu(pid);
  const start = performance.now();
  let count = 0;
  const worker = async () => {
    while (performance.now() - start < seconds * 1000) {
      await send();
      count++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const ms = performance.now() - start;
  const used = cpu(pid) - before;
  client.disconnect();
  return { rate: (count / ms) * 1000, cpuPer1k: (used / count) * 1000, bad: 0 };
};

/** Echo messages of `bytes` through the hub's WebSocket proxy, `inflight` at a time. */
const wsEcho = (bytes: number, inflight: number, seconds: number) => async (port: number, pid: number) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const payload = "x".repeat(bytes);
  let count = 0;
  let measuring = false;
  let before = 0;
  const done = new Promise<void>((resolve) => {
    let stopAt = Infinity;
    let outstanding = 0;
    ws.on("message", () => {
      outstanding--;
      if (measuring) count++;
      if (performance.now() < stopAt) {
        outstanding++;
        ws.send(payload);
      } else if (outstanding === 0) resolve();
    });
    // A short warm-up, then the measured seconds.
    setTimeout(() => {
      measuring = true;
      before = cpu(pid);
      stopAt = performance.now() + seconds * 1000;
    }, 300);
    for (; outstanding < inflight; outstanding++) ws.send(payload);
  });
  const start = performance.now() + 300;
  await done;
  const used = cpu(pid) - before;
  const ms = performance.now() - start;
  ws.terminate();
  return { rate: (count / ms) * 1000, cpuPer1k: (used / count) * 1000, bad: 0 };
};

/** Runs `rounds` rounds of `seconds` per case over `specs` (one with mode "direct"), printing each and the ratios. */
export async function frontBench(specs: HubSpec[], rounds: number, seconds: number): Promise<void> {
  type Measure = (port: number, pid: number) => Promise<{ rate: number; cpuPer1k: number; bad: number }>;
  const all: Array<readonly [string, Measure]> = [
    ["intercept, 50 connections", http("/users/42", seconds)],
    ["IPC round trip, 1 in flight", rpc(seconds)],
    ["HTTP proxy, 50 connections", http("/api/items?page=1", seconds)],
    ["HTTP proxy GET, no keep-alive", http("/api/items?page=1", seconds, { keepAlive: false })],
    ["HTTP proxy POST 4 KiB, keep-alive", http("/api/items", seconds, { method: "POST", body: Buffer.alloc(4 * 1024, 0x61) })],
    ["HTTP proxy POST 4 KiB, no keep-alive", http("/api/items", seconds, { method: "POST", body: Buffer.alloc(4 * 1024, 0x61), keepAlive: false })],
    ["HTTP proxy POST 256 KiB, keep-alive", http("/api/items", seconds, { method: "POST", body: Buffer.alloc(256 * 1024, 0x61) })],
    ["HTTP proxy POST 256 KiB, no keep-alive", http("/api/items", seconds, { method: "POST", body: Buffer.alloc(256 * 1024, 0x61), keepAlive: false })],
    ["WebSocket proxy, ~100 B × 16 in flight", wsEcho(100, 16, seconds)],
    ["WebSocket proxy, 64 KiB × 16 in flight", wsEcho(64 * 1024, 16, seconds)],
    ["IPC round trip, 64 KiB × 64 in flight", rpcBulk(64 * 1024, 64, seconds)],
    ["IPC round trip, ~100 B × 64 in flight", rpcBulk(100, 64, seconds)],
  ];
  const only = process.env["FRONT_CASES"]?.split(process.env["FRONT_CASES"].includes("|") ? "|" : ",");
  const CASES = only ? all.filter(([name]) => only.some((part) => name.includes(part))) : all;
  // A POST's body is read whole before the answer, as a service would.
  const backend = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end('{"items":[1,2,3]}'));
  });
  // Connections the backend accepted during each measurement (hubs are measured one at a time).
  let backendConnections = 0;
  backend.on("connection", () => backendConnections++);
  const echoes = new WebSocketServer({ server: backend });
  echoes.on("connection", (ws) => ws.on("message", (data, binary) => ws.send(data, { binary })));
  backend.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const hubs = [];
  for (const spec of specs) hubs.push(await hub(spec, backendUrl));
  const results: Record<string, Array<{ rate: number; cpuPer1k: number }>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of CASES) {
      // Alternate which goes first, so neither always meets the machine in the same state.
      for (const h of round % 2 ? [...hubs].reverse() : hubs) {
        const connectionsBefore = backendConnections;
        const r = await measure(h.port, h.pid);
        (results[`${name} | ${h.mode}`] ??= []).push(r);
        const opened = backendConnections - connectionsBefore;
        console.log(`round ${round + 1} ${name} ${h.mode}: ${r.rate.toFixed(0)}/s, ${r.cpuPer1k.toFixed(3)} CPU s per 1k${r.bad ? `, ${r.bad} bad` : ""}, ${opened} backend connections`);
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  // Without a "direct" hub (a checkout against its base alone) there is nothing to divide by here.
  const modesAgainstDirect = hubs.some((h) => h.mode === "direct") ? hubs.map((h) => h.mode).filter((mode) => mode !== "direct") : [];
  for (const mode of modesAgainstDirect) {
    console.log(`\n| case | ${mode} /s | direct /s | ${mode} ÷ direct (rate) | ${mode} ÷ direct (hub CPU per request) | CPU ratio per round |\n|---|---|---|---|---|---|`);
    for (const [name] of CASES) {
      const front = results[`${name} | ${mode}`]!;
      const direct = results[`${name} | direct`]!;
      // Ratios per round (taken close in time), then their median.
      const rateRatio = median(front.map((f, i) => f.rate / direct[i]!.rate));
      const cpuRatios = front.map((f, i) => f.cpuPer1k / direct[i]!.cpuPer1k);
      const perRound = cpuRatios.map((r) => r.toFixed(2)).join(", ");
      console.log(`| ${name} | ${median(front.map((r) => r.rate)).toFixed(0)} | ${median(direct.map((r) => r.rate)).toFixed(0)} | ${rateRatio.toFixed(2)}× | ${median(cpuRatios).toFixed(2)}× | ${perRound} |`);
    }
  }
  if (hubs.some((h) => h.mode === "base")) {
    // The first hub (this checkout's default) against the other checkout's.
    const mode = hubs[0]!.mode;
    console.log(`\n| case | ${mode} ÷ base (hub CPU per request) | per round |\n|---|---|---|`);
    for (const [name] of CASES) {
      const front = results[`${name} | ${mode}`]!;
      const ratios = results[`${name} | base`]!.map((b, i) => front[i]!.cpuPer1k / b.cpuPer1k);
      console.log(`| ${name} | ${median(ratios).toFixed(2)}× | ${ratios.map((r) => r.toFixed(2)).join(", ")} |`);
    }
  }
  for (const h of hubs) h.stop();
  echoes.close();
  backend.close();
  backend.closeAllConnections();
}
