/** Child processes of the orchestrator: spawn, wait for `@@{"ready":…}`, send commands, stop. */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface RuntimeSpec {
  /** node20, node24, bun, deno; a suffix such as `+bufferutil` names a variant. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Flags that expose a full GC to the script. */
  gcArgs: string[];
  /** The file to run for a bench script name (`host`): compiled JS on Node, the TS source on Bun and Deno. */
  script(name: string): string;
}

const live = new Set<Proc>();

export class Proc {
  readonly name: string;
  readonly ready: Promise<any>;
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  readonly #log: string[] = [];
  #nextId = 0;
  #exited = false;

  constructor(name: string, command: string, args: string[], options: { env?: Record<string, string>; cwd: string; timeoutMs?: number }) {
    this.name = name;
    this.#child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    live.add(this);
    let onReady!: (v: any) => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    const timer = setTimeout(() => onFail(new Error(`${name}: not ready after ${options.timeoutMs ?? 60_000} ms\n${this.log()}`)), options.timeoutMs ?? 60_000);
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      if (!line.startsWith("@@")) {
        this.#remember(line);
        return;
      }
      const message = JSON.parse(line.slice(2));
      if (message.ready !== undefined) {
        clearTimeout(timer);
        onReady(message);
      } else if (typeof message.id === "number") {
        const waiter = this.#waiting.get(message.id);
        this.#waiting.delete(message.id);
        if (message.error) waiter?.reject(new Error(`${name}: ${message.error}`));
        else waiter?.resolve(message.result);
      }
    });
    createInterface({ input: this.#child.stderr! }).on("line", (line) => this.#remember(line));
    this.#child.on("exit", (code, signal) => {
      this.#exited = true;
      live.delete(this);
      clearTimeout(timer);
      const error = new Error(`${name} exited (code ${code}, signal ${signal})\n${this.log()}`);
      onFail(error);
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
    });
  }

  call(op: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<any> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited\n${this.log()}`));
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs} ms\n${this.log()}`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.stdin!.write(`${JSON.stringify({ id, op, ...params })}\n`);
    });
  }

  /** Asks the process to exit (so profiles get written), then kills it if it lingers. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.call("exit", {}, graceMs).catch(() => {});
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL, for when the orchestrator itself is going away. */
  kill(): void {
    if (!this.#exited) this.#child.kill("SIGKILL");
  }

  log(): string {
    return this.#log.slice(-30).join("\n");
  }

  #remember(line: string): void {
    this.#log.push(line);
    if (this.#log.length > 200) this.#log.shift();
  }
}

/** Kills whatever is still running (on errors and signals). Synchronous. */
export function killAll(): void {
  for (const proc of live) proc.kill();
}
