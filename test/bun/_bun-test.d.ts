/** The part of `bun:test` these tests use (the repository's typecheck has no Bun types). */
declare module "bun:test" {
  type Fn = () => unknown | Promise<unknown>;
  interface TestFn {
    (name: string, fn: Fn, timeoutMs?: number): void;
    concurrent: (name: string, fn: Fn, timeoutMs?: number) => void;
  }
  export const test: TestFn;
  export function describe(name: string, fn: () => void): void;
  export function beforeAll(fn: Fn): void;
  export function afterAll(fn: Fn): void;
  export function afterEach(fn: Fn): void;
  interface Matchers {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toMatch(expected: string | RegExp): void;
    toContain(expected: unknown): void;
    toBeGreaterThan(expected: number): void;
    toBeGreaterThanOrEqual(expected: number): void;
    toBeLessThan(expected: number): void;
    toBeLessThanOrEqual(expected: number): void;
    toThrow(expected?: string | RegExp): void;
    toBeInstanceOf(expected: unknown): void;
    readonly not: Matchers;
    readonly rejects: AsyncMatchers;
    readonly resolves: AsyncMatchers;
  }
  type AsyncMatchers = { [K in keyof Matchers]: Matchers[K] extends (...args: infer A) => void ? (...args: A) => Promise<void> : never };
  export function expect(actual: unknown): Matchers;
}
