/**
 * The browser entry's `IPCServer`: its static `defineRequest` and nothing else. A module of request
 * definitions written for the original (`IPCServer.defineRequest<Req, Res>("math/add")`, shared by a
 * service and its callers) then bundles for a page as it is. A page cannot listen, so constructing
 * one throws at once, naming where the server lives.
 */
import { assertName } from "../src/protocol.ts";
import type { IPCServerRequest } from "../src/types.ts";

export class IPCServer {
  /** Checks the name as the runtimes' `IPCServer.defineRequest` does and brands it with its types. */
  static defineRequest<Req, Res>(name: string): IPCServerRequest<Req, Res> {
    assertName(name);
    return name as IPCServerRequest<Req, Res>;
  }

  constructor() {
    throw new Error("a browser page cannot run an IPCServer: only IPCServer.defineRequest is here; run the server with 'crossipc' in Node.js, Bun or Deno");
  }
}
