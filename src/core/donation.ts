/**
 * Argument donation for `jit` (`donateArgnums`): after a call on concrete values, the tensors of
 * the donated arguments are disposed, so that their memory serves the next call's results. A
 * training loop `p = step(p, …)` otherwise keeps every old parameter tree alive until the garbage
 * collector finalizes it, and each step's results land in memory never written before (about
 * 1 ms per MiB of page faults on the `wasm` backend, see docs/performance.md).
 *
 * A donated tensor is not disposed when the call still needs it afterwards: when it is also one
 * of the results, appears in an argument that is not donated, or is a constant the traced program
 * captured. Using a donated tensor after the call throws `DisposedTensorError`.
 * @module
 */
import { ValueError } from '../errors.js';
import { ConcreteTensor, Tensor } from '../tensor/tensor.js';
import { leaves, type Tree } from '../tree/tree.js';

/**
 * Checks `donateArgnums` against `staticArgnums` (a static argument holds no tensors to donate).
 * @param donate - the donated argument indices
 * @param statics - the static argument indices
 * @returns the donated indices as a set
 * @throws {@link ValueError} for an index that is not a non-negative integer, or is static
 * @example
 * ```ts
 * donationSet([0, 1], new Set([2])); // Set {0, 1}
 * ```
 */
export function donationSet(donate: readonly number[], statics: ReadonlySet<number>): ReadonlySet<number> {
  for (const i of donate) {
    if (!Number.isInteger(i) || i < 0) {
      throw new ValueError(`jit: donateArgnums must hold non-negative integer argument indices, got ${String(i)}.`, { op: 'jit', argument: 'donateArgnums', expected: 'non-negative integers', received: String(i) });
    }
    if (statics.has(i)) {
      throw new ValueError(`jit: argument ${i} is both static and donated; a static argument holds no tensors to donate.`, { op: 'jit', argument: 'donateArgnums', expected: 'indices not in staticArgnums', received: String(i) });
    }
  }
  return new Set(donate);
}

/**
 * Disposes the tensors of the donated arguments of a finished call (see the module comment).
 * @param args - the call's arguments
 * @param donated - the donated indices
 * @param results - the call's result leaves (never disposed)
 * @param consts - the program's captured constants (never disposed)
 * @example
 * ```ts
 * disposeDonated([p, s, x], new Set([0, 1]), outs, program.consts);
 * ```
 */
export function disposeDonated(args: readonly unknown[], donated: ReadonlySet<number>, results: readonly unknown[], consts: readonly Tensor[]): void {
  const spared = new Set<unknown>(results);
  for (const c of consts) spared.add(c);
  for (let i = 0; i < args.length; i++) {
    if (donated.has(i)) continue;
    for (const l of tensorLeaves(args[i])) spared.add(l);
  }
  for (const i of donated) {
    if (i >= args.length) continue;
    for (const l of tensorLeaves(args[i])) if (l instanceof ConcreteTensor && !spared.has(l)) l.dispose();
  }
}

function tensorLeaves(x: unknown): Tensor[] {
  if (x instanceof Tensor) return [x];
  if (x === null || typeof x !== 'object') return [];
  return (leaves(x as Tree<unknown>) as unknown[]).filter((l): l is Tensor => l instanceof Tensor);
}
