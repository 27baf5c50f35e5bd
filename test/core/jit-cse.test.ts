// Common-subexpression elimination in jit's optimized programs: duplicates (equal primitive,
// params and operands; equal scalar constants) run once, results stay bit-identical to eager,
// and returned tensors stay distinct objects.
import { describe, expect, it } from 'vitest';
import { jit, random, tensor, type Tensor } from '../../src/index.js';

const bits = (t: Tensor) => Array.from(new Uint8Array(t.toTypedArray().buffer));

describe('jit: common subexpressions', () => {
  it('equal computations from separately created constants run once', () => {
    // Each pow(0.9, c) creates its own scalar constant 0.9: CSE must see through that.
    const f = (x: Tensor, c: Tensor) => [x.mul(tensor(0.9).pow(c.cast('float32'))), x.add(tensor(0.9).pow(c.cast('float32'))), x.mul(2).sum(0), x.mul(2).sum(0)];
    const x = random.normal(random.key(1), [4, 3]), c = tensor(3, { dtype: 'int32' });
    const low = jit(f, { fuse: true }).lower(x, c);
    const count = (name: string, j: typeof low.jaxpr) => j.eqns.filter((e) => e.prim.name === name).length;
    expect(count('pow', low.jaxpr)).toBe(2);
    expect(low.optimized.toString().match(/pow/g)!.length).toBe(1);
    expect(count('reduce_sum', low.jaxpr)).toBe(2);
    expect(count('reduce_sum', low.optimized)).toBe(2); // both are outputs: kept, distinct tensors
    const out = jit(f)(x, c) as Tensor[];
    const ref = f(x, c);
    out.forEach((o, i) => expect(bits(o)).toEqual(bits(ref[i]!)));
    expect(out[2]).not.toBe(out[3]);
  });

  it('different params or operands are not merged', () => {
    const f = (x: Tensor) => x.sum(0).add(x.sum(1).sum()).add(x.exp().sum()).add(x.tanh().sum());
    const x = random.normal(random.key(2), [3, 3]);
    const low = jit(f).lower(x);
    expect(low.optimized.eqns.filter((e) => e.prim.name === 'reduce_sum').length).toBe(low.jaxpr.eqns.filter((e) => e.prim.name === 'reduce_sum').length);
    expect(bits(jit(f)(x))).toEqual(bits(f(x)));
  });
});
