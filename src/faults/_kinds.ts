import { bandwidth } from "./bandwidth.ts";
import { close } from "./close.ts";
import { drop } from "./drop.ts";
import type { FaultKindDef } from "./_kind.ts";
import { latency } from "./latency.ts";
import { reset } from "./reset.ts";
import { status } from "./status.ts";
import { timeout } from "./timeout.ts";
import type { FaultKind } from "./_types.ts";

/** Every kind by name: a new kind is one file and one line here. */
export const FAULT_KINDS: Record<FaultKind, FaultKindDef<any>> = { latency, status, reset, timeout, bandwidth, drop, close };
