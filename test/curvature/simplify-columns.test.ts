// The simplification patterns the all-columns exact diagonal stages: the squared outer product
// read through a transpose, summed over the batch and over free axes of one operand (the factor
// columns), with squares shared. Checked against the unsimplified program in float64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotGeneral, evalJaxpr, makeJaxpr, StagedFunction, type Tensor } from '../../src/index.js';
import { simplifyJaxpr } from '../../src/core/simplify.js';
import type { Jaxpr } from '../../src/core/jaxpr.js';
import { expectTreeClose, rand } from '../helpers.js';

const largest = (j: Jaxpr) => Math.max(...j.eqns.flatMap((e) => e.outputs.map((v) => v.aval.size)));
const run = (s: StagedFunction, j: Jaxpr, ...args: Tensor[]) => evalJaxpr(new StagedFunction(j, s.inDefs, s.outDef), ...args);

describe('simplifyJaxpr: squared outer products through a transpose, summed over columns', () => {
  it('property: [b, m, 1] ⊗ [c, b, 1, n], any transpose, any summed subset holding the batch axis — equal, and the product is never formed', () => {
    const perms = [[0, 1, 2, 3], [2, 0, 1, 3], [1, 3, 0, 2], [3, 2, 1, 0], [2, 0, 3, 1]];
    const arb = fc.record({
      b: fc.integer({ min: 2, max: 4 }), m: fc.integer({ min: 2, max: 4 }), c: fc.integer({ min: 2, max: 3 }), n: fc.integer({ min: 2, max: 4 }),
      perm: fc.constantFrom(...perms), others: fc.subarray([1, 2, 3]), seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(fc.property(arb, ({ b, m, c, n, perm, others, seed }) => {
      const u = rand(seed, [b, m, 1]), v = rand(seed + 1, [c, b, 1, n]);
      // d = [b, m, c, n]; summed axes are given in d's numbering and mapped through the transpose
      const summedD = [0, ...others];
      const axes = perm.map((p, i) => (summedD.includes(p) ? i : -1)).filter((i) => i >= 0);
      const f = (x: Tensor, y: Tensor) => dotGeneral(x, y, { contract: [[2], [2]], batch: [[0], [1]] }).transpose(perm).square().sum(axes);
      const staged = makeJaxpr(f)(u, v);
      const s = simplifyJaxpr(staged.jaxpr);
      expect(s).not.toBe(staged.jaxpr);
      expect(largest(s)).toBeLessThan(b * m * c * n);
      expectTreeClose(run(staged, s, u, v), f(u, v), 1e-12);
    }), { numRuns: 40, seed: 12 });
  });

  it('reuses a square the program already computes, also through a reshape', () => {
    const f = (a: Tensor, g: Tensor) => {
      const total = a.square().sum(); // computed before the pattern, so the rewrite can read it
      const outer = dotGeneral(a.reshape([6, 5, 1]), g.reshape([6, 1, 4]), { contract: [[2], [1]], batch: [[0], [0]] });
      return [outer.square().sum(0), total];
    };
    const a = rand(1, [6, 5]), g = rand(2, [6, 4]);
    const staged = makeJaxpr(f)(a, g);
    const s = simplifyJaxpr(staged.jaxpr);
    const squaresOfA = s.eqns.filter((e) => e.prim.name === 'mul' && e.inputs[0] === e.inputs[1] && e.inputs[0] === s.invars[0]);
    expect(squaresOfA.length).toBe(1);
    expect(s.eqns.filter((e) => e.prim.name === 'mul').length).toBe(2); // a² (shared) and g²
    expectTreeClose(run(staged, s, a, g), f(a, g), 1e-12);
  });

  it('leaves the program alone when the transposed product is used elsewhere, or only free axes are summed', () => {
    const a = rand(3, [6, 5, 1]), g = rand(4, [3, 6, 1, 4]);
    const dims = { contract: [[2], [2]] as [number[], number[]], batch: [[0], [1]] as [number[], number[]] };
    const keepT = makeJaxpr((x: Tensor, y: Tensor) => {
      const t = dotGeneral(x, y, dims).transpose([2, 0, 1, 3]);
      return [t.square().sum([0, 1]), t];
    })(a, g);
    expect(simplifyJaxpr(keepT.jaxpr)).toBe(keepT.jaxpr);
    const freeOnly = makeJaxpr((x: Tensor, y: Tensor) => dotGeneral(x, y, dims).transpose([2, 0, 1, 3]).square().sum([0, 2]))(a, g);
    expect(simplifyJaxpr(freeOnly.jaxpr)).toBe(freeOnly.jaxpr);
  });
});
