/**
 * Every family of cases, in the order they run (the report follows it). A new family is one
 * file here exporting a `Family` (see ../_family.ts) and one line below.
 */
import type { Family } from "../_family.ts";
import { clients } from "./clients.ts";
import { cycle } from "./cycle.ts";
import { faults } from "./faults.ts";
import { http } from "./http.ts";
import { journal } from "./journal.ts";
import { layers } from "./layers.ts";
import { memory } from "./memory.ts";
import { messages } from "./messages.ts";
import { mocks } from "./mocks.ts";
import { rpc } from "./rpc.ts";
import { replay } from "./replay.ts";
import { servers } from "./servers.ts";
import { wsproxy } from "./wsproxy.ts";

export const families: Family[] = [
  rpc,
  servers,
  clients,
  layers,
  messages,
  http,
  wsproxy,
  journal,
  faults,
  mocks,
  replay,
  // memory wants a quiet machine (it closes the load connections first); cycle starts its own servers.
  memory,
  cycle,
];
