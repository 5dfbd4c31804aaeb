// The list lives in src/ (the replay answers drop the same headers); the runtimes' upstreams import it from here.
export { connectionTokens, HOP_BY_HOP } from "../src/_hopByHop.ts";
