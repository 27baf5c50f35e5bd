// The flat (float64 host vector) view of an operator that the Lanczos and Hutchinson estimators use.
import { describe, expect, it } from 'vitest';
import { curvature, tensor, tree, type Tensor } from '../../src/index.js';
import { flatOperator } from '../../src/curvature/flat-operator.js';

type P = { a: Tensor; b: { c: Tensor } };
const params: P = { a: tensor([[1, 2, 3], [4, 5, 6]]), b: { c: tensor([0.5, -1], { dtype: 'float64' }) } };
const isDisposed = (t: Tensor): boolean => (t as unknown as { isDisposed?: boolean }).isDisposed === true;

describe('flatOperator', () => {
  it('converts like tree.ravel / unravel, bit for bit, with mixed dtypes', () => {
    const f = flatOperator(curvature.linearOperator({ params, matvec: (v: P) => v }));
    const v = Float64Array.from({ length: 8 }, (_, i) => Math.PI * (i + 1) / 7 - 1.3);
    const [flat, unravel] = tree.ravel(params);
    expect(f.size).toBe(8);
    expect(f.dtype).toBe(flat.dtype);
    const mine = tree.leaves(f.toTree(v)) as Tensor[];
    const theirs = tree.leaves(unravel(tensor(v, { dtype: 'float64' }))) as Tensor[];
    mine.forEach((t, i) => {
      expect(t.dtype).toBe(theirs[i]!.dtype);
      expect(t.shape).toEqual(theirs[i]!.shape);
      expect(Array.from(t.toTypedArray())).toEqual(Array.from(theirs[i]!.toTypedArray()));
    });
    const t = f.toTree(v);
    expect(Array.from(f.fromTree(t))).toEqual(Array.from(tree.ravel(t)[0].toTypedArray()));
  });

  it('apply disposes the input tree it made, but not a leaf the matvec returns', () => {
    const seen: P[] = [];
    const scale = flatOperator(curvature.linearOperator({ params, matvec: (v: P) => { seen.push(v); return tree.scale(v, 2) as P; } }));
    const v = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const w = scale.apply(v);
    expect(Array.from(w)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect((tree.leaves(seen[0]!) as Tensor[]).every(isDisposed)).toBe(true);
    const identity = flatOperator(curvature.linearOperator({ params, matvec: (u: P) => { seen.push(u); return u; } }));
    expect(Array.from(identity.apply(v))).toEqual(Array.from(v.map((x, i) => (i < 6 ? Math.fround(x) : x))));
    expect((tree.leaves(seen[1]!) as Tensor[]).some(isDisposed)).toBe(false);
  });
});
