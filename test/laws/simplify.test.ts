// The jit simplification pass: Σ_batch (outer product)² → product of squares, checked against the
// unsimplified program (float64), on the per-example-gradient pattern that curvature diagonals stage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotGeneral, evalJaxpr, makeJaxpr, matmul, tree, vjp, vmap, StagedFunction, type Tensor } from '../../src/index.js';
import { simplifyJaxpr } from '../../src/core/simplify.js';
import { expectTreeClose, rand } from '../helpers.js';

type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const inner = (p: P, x: Tensor) => matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
const params: P = { w1: rand(1, [5, 4]), b1: rand(2, [4]), w2: rand(3, [4, 3]), b2: rand(4, [3]) };
const x = rand(5, [6, 5]), col = rand(6, [6, 3]);

/** Σₙ (∂ zₙ/∂θ · colₙ)²: the per-column term of an exact GGN diagonal. */
const squaredPerExample = (p: P, xs: Tensor, c: Tensor) => {
  const pe = vmap((xn: Tensor, sn: Tensor) => vjp((q: P) => inner(q, xn), p)[1](sn)[0] as P, { inAxes: [0, 0] });
  return tree.map((g: Tensor) => g.square().sum(0), pe(xs, c));
};

const simplified = (s: StagedFunction) => new StagedFunction(simplifyJaxpr(s.jaxpr), s.inDefs, s.outDef);
const largest = (s: StagedFunction) => Math.max(...s.jaxpr.eqns.flatMap((e) => e.outputs.map((v) => v.aval.size)));

describe('simplifyJaxpr: sums of squared outer products', () => {
  it('removes the [N, din, dout] per-example gradients of a dense MLP and keeps the value', () => {
    const staged = makeJaxpr(squaredPerExample)(params, x, col);
    const s = simplified(staged);
    expect(largest(staged)).toBe(6 * 5 * 4);
    expect(largest(s)).toBeLessThan(6 * 5 * 4);
    expect(s.jaxpr.eqns.filter((e) => e.prim.name === 'dot_general').length).toBe(staged.jaxpr.eqns.filter((e) => e.prim.name === 'dot_general').length);
    expectTreeClose(evalJaxpr(s, params, x, col), squaredPerExample(params, x, col), 1e-12);
  });

  it('leaves the program alone when the product or its square is used elsewhere', () => {
    const keepProduct = (a: Tensor, b: Tensor) => {
      const d = dotGeneral(a.reshape([6, 5, 1]), b.reshape([6, 1, 4]), { contract: [[2], [1]], batch: [[0], [0]] });
      return [d.square().sum(0), d];
    };
    const a = rand(7, [6, 5]), b = rand(8, [6, 4]);
    const staged = makeJaxpr(keepProduct)(a, b);
    expect(simplifyJaxpr(staged.jaxpr)).toBe(staged.jaxpr);
    const keepSquare = (u: Tensor, v: Tensor) => {
      const sq = dotGeneral(u.reshape([6, 5, 1]), v.reshape([6, 1, 4]), { contract: [[2], [1]], batch: [[0], [0]] }).square();
      return [sq.sum(0), sq.mean()];
    };
    const staged2 = makeJaxpr(keepSquare)(a, b);
    expect(simplifyJaxpr(staged2.jaxpr)).toBe(staged2.jaxpr);
  });

  it('does not touch a real contraction (K > 1) or a sum over a free axis', () => {
    const a = rand(9, [6, 5, 2]), b = rand(10, [6, 2, 4]);
    const realK = makeJaxpr((u: Tensor, v: Tensor) => dotGeneral(u, v, { contract: [[2], [1]], batch: [[0], [0]] }).square().sum(0))(a, b);
    expect(simplifyJaxpr(realK.jaxpr)).toBe(realK.jaxpr);
    const freeAxis = makeJaxpr((u: Tensor, v: Tensor) => dotGeneral(u.reshape([6, 5, 1]), v.reshape([6, 1, 4]), { contract: [[2], [1]], batch: [[0], [0]] }).square().sum(1))(
      a.slice([0, 0, 0], [6, 5, 1]).reshape([6, 5]), b.slice([0, 0, 0], [6, 1, 4]).reshape([6, 4]),
    );
    expect(simplifyJaxpr(freeAxis.jaxpr)).toBe(freeAxis.jaxpr);
  });

  it('property: several batch axes, any non-empty subset summed, size-1 or no contraction — equal to the unsimplified value', () => {
    const arb = fc.record({
      b1: fc.integer({ min: 1, max: 3 }), b2: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }),
      which: fc.constantFrom([0], [1], [0, 1]), unitContract: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(fc.property(arb, ({ b1, b2, m, n, which, unitContract, seed }) => {
      const u = rand(seed, unitContract ? [b1, m, b2, 1] : [b1, m, b2]), v = rand(seed + 1, unitContract ? [b2, 1, n, b1] : [b2, n, b1]);
      const dims = unitContract
        ? { contract: [[3], [1]] as [number[], number[]], batch: [[0, 2], [3, 0]] as [number[], number[]] }
        : { contract: [[], []] as [number[], number[]], batch: [[0, 2], [2, 0]] as [number[], number[]] };
      const f = (p: Tensor, q: Tensor) => dotGeneral(p, q, dims).square().sum(which);
      const staged = makeJaxpr(f)(u, v);
      const s = simplifyJaxpr(staged.jaxpr);
      expect(s).not.toBe(staged.jaxpr);
      expectTreeClose(evalJaxpr(new StagedFunction(s, staged.inDefs, staged.outDef), u, v), f(u, v), 1e-12);
    }), { numRuns: 30 });
  });
});
