// jit's fast signature check (src/core/signature.ts) accepts a call exactly when the cache key
// (src/core/cache-key.ts) is equal to the recorded call's: checked against the key itself over
// pairs of argument lists that differ in one place, then end to end through jit's counters.
import { describe, expect, it } from 'vitest';
import { jit, tensor, zeros, type Tensor } from '../../src/index.js';
import { jitCacheKey } from '../../src/core/cache-key.js';
import { recordSignature, treeBuilder } from '../../src/core/signature.js';
import { flatten, unflatten } from '../../src/tree/tree.js';

const keyOf = (args: unknown[], statics: number[]) => {
  const dyn = args.map((_, i) => i).filter((i) => !statics.includes(i));
  const defs = [], leaves: unknown[] = [];
  for (const i of dyn) { const [ls, d] = flatten(args[i] as never); defs.push(d); leaves.push(...ls); }
  return { key: jitCacheKey(defs, leaves, statics.map((i) => args[i])), dyn, defs, leaves };
};
const sigOf = (args: unknown[], statics: number[]) => {
  const { dyn, defs, leaves } = keyOf(args, statics);
  return recordSignature(args.length, dyn, defs, leaves, statics, statics.map((i) => args[i]));
};

const t3 = tensor([1, 2, 3]), u3 = tensor([4, 5, 6]), t4 = tensor([1, 2, 3, 4]), t3d = tensor([1, 2, 3], { dtype: 'float64' });
const fn = () => 0, fn2 = () => 0;
const hidden = { a: t3 };
Object.defineProperty(hidden, 'b', { value: 1, enumerable: false });
const base: unknown[] = [{ w: t3, b: [u3, null, 2] }, 0.5, 'adam', fn];
const variants: [string, unknown[]][] = [
  ['same values, other tensors of the same avals', [{ w: u3, b: [t3, null, 2] }, 0.5, 'adam', fn]],
  ['another shape', [{ w: t4, b: [u3, null, 2] }, 0.5, 'adam', fn]],
  ['another dtype', [{ w: t3d, b: [u3, null, 2] }, 0.5, 'adam', fn]],
  ['undefined for null', [{ w: t3, b: [u3, undefined, 2] }, 0.5, 'adam', fn]],
  ['a number for a tensor', [{ w: 1, b: [u3, null, 2] }, 0.5, 'adam', fn]],
  ['a tensor for a number', [{ w: t3, b: [u3, null, t3] }, 0.5, 'adam', fn]],
  ['-0 for 0.5', [{ w: t3, b: [u3, null, 2] }, -0, 'adam', fn]],
  ['NaN for 0.5', [{ w: t3, b: [u3, null, 2] }, NaN, 'adam', fn]],
  ['another string', [{ w: t3, b: [u3, null, 2] }, 0.5, 'sgd', fn]],
  ['another function', [{ w: t3, b: [u3, null, 2] }, 0.5, 'adam', fn2]],
  ['an extra key', [{ w: t3, b: [u3, null, 2], c: 1 }, 0.5, 'adam', fn]],
  ['a missing key', [{ w: t3 }, 0.5, 'adam', fn]],
  ['a renamed key', [{ v: t3, b: [u3, null, 2] }, 0.5, 'adam', fn]],
  ['a longer list', [{ w: t3, b: [u3, null, 2, 3] }, 0.5, 'adam', fn]],
  ['a list for an object', [[t3, [u3, null, 2]], 0.5, 'adam', fn]],
  ['a node for a leaf', [{ w: [t3], b: [u3, null, 2] }, 0.5, 'adam', fn]],
  ['one argument more', [{ w: t3, b: [u3, null, 2] }, 0.5, 'adam', fn, 1]],
  ['one argument less', [{ w: t3, b: [u3, null, 2] }, 0.5, 'adam']],
];

describe('jit signature fast path', () => {
  for (const statics of [[], [1, 2]]) {
    it.each(variants)(`accepts exactly when the cache key is equal: %s (statics ${JSON.stringify(statics)})`, (_name, other) => {
      const sig = sigOf(base, statics);
      const same = keyOf(base, statics).key === keyOf(other, statics).key;
      const got = sig.match(other);
      expect(got !== undefined).toBe(same);
      if (got) expect(got).toEqual(keyOf(other, statics).leaves.filter((l) => l instanceof Object && 'aval' in (l as object)));
    });
  }

  it('non-enumerable own properties and structural static arguments', () => {
    const sig = sigOf([{ a: t3, b: 1 }], []);
    expect(sig.match([hidden])).toBeUndefined(); // `b` is not part of flatten's view of `hidden`
    const s2 = sigOf([t3, { lr: 0.1, betas: [0.9, 0.999] }], [1]);
    expect(s2.match([u3, { lr: 0.1, betas: [0.9, 0.999] }])).toEqual([u3]); // statics compare structurally
    expect(s2.match([u3, { lr: 0.1, betas: [0.9, 0.99] }])).toBeUndefined();
  });

  it('end to end: alternating signatures retrace only for new ones, and every call runs its own program', () => {
    const f = jit((p: { w: Tensor; s?: number }, x: Tensor) => p.w.mul(x).add(p.s ?? 0));
    const x3 = tensor([1, 1, 1]);
    expect(Array.from(f({ w: t3 }, x3).toTypedArray())).toEqual([1, 2, 3]);
    expect(Array.from(f({ w: t3, s: 1 }, x3).toTypedArray())).toEqual([2, 3, 4]);
    expect(Array.from(f({ w: t3 }, x3).toTypedArray())).toEqual([1, 2, 3]);
    expect(Array.from(f({ w: t3, s: 1 }, x3).toTypedArray())).toEqual([2, 3, 4]);
    expect(Array.from(f({ w: t3, s: 1 }, x3).toTypedArray())).toEqual([2, 3, 4]);
    expect(Array.from(f({ w: t4 }, zeros([4])).toTypedArray())).toEqual([0, 0, 0, 0]);
    expect(f.traces).toBe(3);
    expect(f.hits).toBe(3);
    f.clear();
    f({ w: t3 }, x3);
    expect(f.traces).toBe(4);
  });

  it('treeBuilder builds what unflatten builds, as fresh nodes on every call', () => {
    const trees: unknown[] = [t3, null, undefined, [], {}, [t3, [u3, null, { z: 1, a: [undefined, t4] }]], { b: { c: [t3] }, a: u3, '10': 2, '9': 3 }];
    for (const t of trees) {
      const [leaves, def] = flatten(t as never);
      const build = treeBuilder(def);
      const got = build(leaves), want = unflatten(def, leaves);
      expect(got).toEqual(want);
      if (typeof want === 'object' && want !== null && !(want instanceof Object.getPrototypeOf(t3).constructor)) {
        expect(Object.keys(got as object)).toEqual(Object.keys(want)); // same key order
        expect(build(leaves)).not.toBe(got);
      }
    }
  });
});
