import type { HubRoute, RoutingStrategy, RoutingStrategyName } from "./_types.ts";

/**
 * The built-in strategies. Round robin counts per api (the original counted per request path,
 * in a map that grew with every distinct path ever requested).
 */
export function createStrategy(name: RoutingStrategyName): RoutingStrategy {
  switch (name) {
    case "first":
      return { select: (instances) => instances[0]! };
    case "last":
      return { select: (instances) => instances[instances.length - 1]! };
    case "random":
      return { select: (instances) => instances[Math.floor(Math.random() * instances.length)]! };
    case "roundRobin": {
      let next = 0;
      return {
        select(instances: readonly HubRoute[]) {
          const picked = instances[next % instances.length]!;
          next = (next + 1) % 1_000_000_007;
          return picked;
        },
      };
    }
    default:
      throw new TypeError(`Unknown routing strategy '${String(name)}': use roundRobin, first, last, random or an object with select()`);
  }
}

export function strategyName(strategy: RoutingStrategy | RoutingStrategyName): RoutingStrategyName | "custom" {
  return typeof strategy === "string" ? strategy : "custom";
}
