/**
 * Loop and min helpers shared by the kernel generators (`gemm.ts`, `skinny.ts`, `cholesky.ts`).
 * @module
 */
import type { Code } from './encoder.js';

/**
 * Emits `for (i = start; i < end; i += step) body` (signed comparison), with `start`, `end` and
 * `step` pushed by callbacks. Inside `body`, branch depth 0 is the loop and 1 exits it.
 * @param c - the function body
 * @param i - the i32 loop local
 * @param start - pushes the first value
 * @param end - pushes the bound
 * @param step - pushes the increment
 * @param body - emits the body
 * @example
 * ```ts
 * forLoop(c, i, () => c.i32(0), () => c.get(n), () => c.i32(1), () => { ... });
 * ```
 */
export function forLoop(c: Code, i: number, start: () => void, end: () => void, step: () => void, body: () => void): void {
  start();
  c.set(i).block(() => c.loop(() => {
    c.get(i); end(); c.op('i32_ge_s').brIf(1);
    body();
    c.get(i); step(); c.op('i32_add').set(i).br(0);
  }));
}

/**
 * Pushes `min(local x, local y)` (signed).
 * @param c - the function body
 * @param x - an i32 local
 * @param y - an i32 local
 * @example
 * ```ts
 * minLocals(c, kc, left); c.set(depth);
 * ```
 */
export function minLocals(c: Code, x: number, y: number): void {
  c.get(x).get(y).get(x).get(y).op('i32_lt_s', 'select');
}
