import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Mocks } from "crossipc";
import * as s from "../../suite/common.ts";

const tag = "bun-b";
const eq = (actual: unknown, expected: unknown) => expect(actual).toEqual(expected);
let mocks: Mocks;
beforeAll(async () => { mocks = await s.connectMocks(s.port, { runtimeId: tag }); });
afterAll(() => mocks.close());

test.concurrent("isolation 1", async () => { await s.isolation(mocks, `${tag}-iso1`, eq); await s.done(`${tag}-iso1`); });
test.concurrent("isolation 2", async () => { await s.isolation(mocks, `${tag}-iso2`, eq); await s.done(`${tag}-iso2`); });
test.concurrent("faults", async () => { await s.faults(mocks, `${tag}-faults`, eq); await s.done(`${tag}-faults`); });
test.concurrent("replay", async () => { await s.replay(mocks, `${tag}-replay`, eq); await s.done(`${tag}-replay`); });
test.concurrent("waitFor", async () => { await s.waits(mocks, `${tag}-waits`, eq); await s.done(`${tag}-waits`); });
test.concurrent("latency, bandwidth, probability", async () => { await s.timing(mocks, `${tag}-timing`, eq); await s.done(`${tag}-timing`); });
test.concurrent("WebSocket faults", async () => { await s.wsFaults(mocks, `${tag}-wsfaults`, eq); await s.done(`${tag}-wsfaults`); });
test.concurrent("websocket", async () => { await s.websocket(mocks, `${tag}-ws`, eq); await s.done(`${tag}-ws`); });
