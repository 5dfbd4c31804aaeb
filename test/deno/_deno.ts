/**
 * Shared by the Deno test files: crossipc from source (Deno adapter), the part of the `Deno`
 * namespace they use (the repository's typecheck has no Deno types), and small helpers.
 */
import * as crossipc from "../../adapters/deno.ts";
import type { IPCClientOptions, IPCServerOptions } from "../../adapters/deno.ts";

export { crossipc };
export type Server = InstanceType<typeof crossipc.IPCServer>;
export type Client = InstanceType<typeof crossipc.IPCClient>;

interface TestDefinition {
  name: string;
  fn: () => unknown | Promise<unknown>;
  sanitizeOps?: boolean;
  sanitizeResources?: boolean;
  sanitizeExit?: boolean;
}

export interface DenoApi {
  test(definition: TestDefinition): void;
  test(name: string, fn: () => unknown | Promise<unknown>): void;
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
  upgradeWebSocket(request: Request, options?: { protocol?: string }): { socket: WebSocket; response: Response };
}

export const Deno: DenoApi = (globalThis as unknown as { Deno: DenoApi }).Deno;

export async function startServer(options: IPCServerOptions = {}): Promise<Server> {
  const server = new crossipc.IPCServer(0, options);
  if (!(await server.start())) throw new Error("could not start on port 0");
  return server;
}

export async function connect(server: Server, runtimeId?: string, options?: IPCClientOptions): Promise<Client> {
  const client = new crossipc.IPCClient(server.getPort(), options);
  await client.connect(runtimeId);
  return client;
}

/** Resolves with the arguments of the first call of the callback it hands to `subscribe`. */
export function once<A extends unknown[]>(subscribe: (callback: (...args: A) => void) => void): Promise<A> {
  return new Promise((resolve) => subscribe((...args) => resolve(args)));
}
