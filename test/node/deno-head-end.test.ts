/**
 * The Deno front follows the first answer on a connection whose first request is an upgrade
 * (adapters/_deno-front-frames.ts `HeadEnd`): where its head ends, split across reads anywhere,
 * and whether it is a `101`. Only after a `101` may the front carry the connection's frames: after
 * a refusal, an upgrade later on the same connection could not be told from the refusal's body.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { HeadEnd } from "../../adapters/_deno-front-frames.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("the head's end is found across reads split anywhere; a 101 is told from a refusal", () => {
  const answers = [
    ["HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n", true],
    ["HTTP/1.1 403 Forbidden\r\ncontent-length: 2\r\n\r\n", false],
  ] as const;
  for (const [head, switching] of answers) {
    for (let cut = 1; cut < head.length; cut++) {
      const end = new HeadEnd();
      assert.equal(end.find(bytes(head.slice(0, cut))), -1, `cut at ${cut}`);
      assert.equal(end.find(bytes(head.slice(cut) + "{}")), head.length - cut, `cut at ${cut}`);
      assert.equal(end.switching, switching, `${head.slice(0, 12)} cut at ${cut}`);
    }
  }
});
