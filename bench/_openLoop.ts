/**
 * Open-loop HTTP load: requests sent at a fixed rate over a keep-alive pool, whatever the server's
 * pace, with each latency taken from the moment the request was due (so a stalled server is not
 * hidden by the generator waiting for it). autocannon keeps N requests in flight instead: at
 * saturation its latency is N ÷ throughput, the throughput gap in disguise, and its percentiles
 * are whole milliseconds. At one offered load below both arms' capacity, the p50 difference is
 * the latency an arm adds.
 */
import http from "node:http";
import type { Sample } from "./_model.ts";
import { percentile } from "./_rt.ts";

export interface OpenLoopOptions {
  /** Requests per second offered. */
  rate: number;
  /** Keep-alive connections (the most requests in flight). */
  connections: number;
  headers?: Record<string, string>;
}

/** One keep-alive pool per URL for the whole run: rounds do not pay for new connections. */
const agents = new Map<string, http.Agent>();

export async function openLoop(url: string, ms: number, { rate, connections, headers }: OpenLoopOptions): Promise<Sample> {
  let agent = agents.get(url);
  if (!agent) agents.set(url, (agent = new http.Agent({ keepAlive: true, maxSockets: connections })));
  const target = new URL(url);
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const total = Math.max(1, Math.round((rate * ms) / 1000));
  const interval = 1000 / rate;
  let sent = 0;
  const one = (due: number) =>
    new Promise<void>((resolve) => {
      const request = http.get({ host: target.hostname, port: target.port, path: target.pathname + target.search, agent, headers }, (response) => {
        response.resume();
        response.on("end", () => {
          if (response.statusCode === 200) latencies.push(performance.now() - due);
          else failed++;
          resolve();
        });
      });
      request.on("error", () => {
        failed++;
        resolve();
      });
    });
  const pending: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now goes out now (the timer's 1 ms grain sends a few at once).
      while (sent < total && start + sent * interval <= now) pending.push(one(start + sent++ * interval));
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const p50 = percentile(latencies, 50);
  const sample: Sample = { value: p50, count: latencies.length, p50, p99: percentile(latencies, 99) };
  if (failed > 0) sample.note = `${failed} of ${total} requests failed or were not 200`;
  if (failed > total / 2) sample.value = NaN;
  // A server that cannot keep up with the offered rate is measured at saturation, not below it: say so.
  if (latencies.length / elapsed < rate * 0.9) sample.note = `${sample.note ? `${sample.note}; ` : ""}completed ${Math.round(latencies.length / elapsed)} of ${rate} req/s offered`;
  return sample;
}
