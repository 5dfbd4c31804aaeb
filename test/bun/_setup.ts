/** Shared by the Bun test files: crossipc from source (Bun adapter) and small helpers. */
import * as crossipc from "../../adapters/bun.ts";
import type { IPCServerOptions } from "../../adapters/bun.ts";

export { crossipc };
export type Server = InstanceType<typeof crossipc.IPCServer>;
export type Client = InstanceType<typeof crossipc.IPCClient>;

/** A started server on port 0; `using`-free cleanup through the returned `close`. */
export async function startServer(options: IPCServerOptions = {}): Promise<Server> {
  const server = new crossipc.IPCServer(0, options);
  if (!(await server.start())) throw new Error("could not start on port 0");
  return server;
}

export async function connect(server: Server, runtimeId?: string, options?: ConstructorParameters<typeof crossipc.IPCClient>[1]): Promise<Client> {
  const client = new crossipc.IPCClient(server.getPort(), options);
  await client.connect(runtimeId);
  return client;
}

/** Resolves with the arguments of the first call of the callback it hands to `subscribe`. */
export function once<A extends unknown[]>(subscribe: (callback: (...args: A) => void) => void): Promise<A> {
  return new Promise((resolve) => subscribe((...args) => resolve(args)));
}
