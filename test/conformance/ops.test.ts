/**
 * Table-driven conformance properties over OP_SPECS (float64):
 * value vs reference, avals vs makeJaxpr, JVP vs finite differences, adjointness,
 * second order, vmap vs a loop (random inAxes with unmapped arguments), evalJaxpr ≡ f,
 * and exact adjointness of linearTranspose in the linear arguments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalJaxpr, isFloat, jvp, linearTranspose, makeJaxpr, tensor, vjp, type Tensor } from '../../src/index.js';
import { batchedArgs, checkBatching, checkGrads, tensorArb, tolerance } from '../../src/testing/index.js';
import { OP_SPECS, type OpCase, type OpSpec, type PropertyName } from './op-specs.js';
import { fromTensor } from './ref.js';

const bound = (row: OpSpec, c: OpCase<unknown>) => (...xs: Tensor[]) => row.fn(xs, c.params);
const describeCase = (c: OpCase<unknown>) => `args ${c.args.map((a) => a.aval.toString()).join(', ')}; params ${JSON.stringify(c.params)}`;

/** Deterministic standard-normal-ish data (for directions in the linearity check). */
function randomLike(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    d[i] = (s / 2 ** 32) * 2 - 1;
  }
  return tensor(d, { shape, dtype: 'float64' });
}
const vdot = (a: Tensor, b: Tensor): [number, number] => {
  const x = a.toTypedArray(), y = b.toTypedArray();
  let s = 0, abs = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * y[i]!;
    abs += Math.abs(x[i]! * y[i]!);
  }
  return [s, abs];
};

/**
 * `it` for a property of a row; not registered when it does not apply (e.g. derivatives of
 * an integer-valued op), `it.skip` when a known core bug breaks it (see known-bugs.test.ts).
 */
const prop = (row: OpSpec, name: PropertyName, applies = true) => {
  const known = row.knownBugs?.[name];
  if (!applies) return (_title: string, _fn: () => void): void => undefined;
  if (known && !known.exclude) return (title: string, fn: () => void): void => it.skip(`${title} [known core bug ${known.bug}]`, fn);
  return (title: string, fn: () => void): void => it(known ? `${title} [excluding the points of known core bug ${known.bug}]` : title, fn);
};
/** The row's cases, minus those at the points of a known core bug for this property. */
const casesFor = (row: OpSpec, name: PropertyName): fc.Arbitrary<OpCase<unknown>> => {
  const ex = row.knownBugs?.[name]?.exclude;
  return ex ? row.args.filter((c) => !ex(c)) : row.args;
};

describe.each(OP_SPECS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
  prop(row, 'value')('value matches the float64 reference (shape, dtype, data)', () => {
    fc.assert(
      fc.property(casesFor(row, 'value'), (c) => {
        const y = row.fn(c.args, c.params);
        const ref = row.ref(c.args.map(fromTensor), c.params);
        expect(y.dtype, describeCase(c)).toBe(row.outDtype ? row.outDtype(c.params) : 'float64');
        expect([...y.shape], describeCase(c)).toEqual([...ref.shape]);
        expect(y).toBeAllClose(ref.data.length === 0 ? y : tensor(ref.data, { shape: ref.shape, dtype: 'float64' }), tolerance(y.dtype));
      }),
    );
  });

  prop(row, 'avals')('makeJaxpr outAvals agree with the result, and evalJaxpr(makeJaxpr(f)) == f', () => {
    fc.assert(
      fc.property(casesFor(row, 'avals'), (c) => {
        const f = bound(row, c);
        const y = f(...c.args);
        const staged = makeJaxpr(f)(...c.args);
        expect(staged.jaxpr.outAvals.map(String), describeCase(c)).toEqual([y.aval.toString()]);
        const z = evalJaxpr(staged, ...c.args) as Tensor;
        expect(z.aval.toString()).toBe(y.aval.toString());
        expect(z).toBeAllClose(y, { rtol: 0, atol: 0 });
      }),
    );
  });

  prop(row, 'jvp', row.gradOrder >= 1)('JVP matches central finite differences', () => {
    fc.assert(fc.property(casesFor(row, 'jvp'), (c) => checkGrads(bound(row, c), c.args, { modes: ['fwd'] })));
  });

  prop(row, 'vjp', row.gradOrder >= 1)('VJP is adjoint to the JVP: ⟨u, J v⟩ = ⟨Jᵀu, v⟩', () => {
    fc.assert(fc.property(casesFor(row, 'vjp'), (c) => checkGrads(bound(row, c), c.args, { modes: ['rev'] })));
  });

  prop(row, 'order2', row.gradOrder >= 2)('second derivatives (checkGrads order 2, fwd and rev)', () => {
    fc.assert(fc.property(casesFor(row, 'order2'), (c) => checkGrads(bound(row, c), c.args, { order: 2 })));
  });

  prop(row, 'vmap')('vmap equals a loop over slices (random inAxes including unmapped arguments, random outAxes)', () => {
    const cases = casesFor(row, 'vmap').chain((c) => {
      const rank = row.fn(c.args, c.params).ndim + 1;
      return fc.record({ b: batchedArgs(c.args), out: fc.integer({ min: -rank, max: rank - 1 }) }).map(({ b, out }) => ({ c, b, out }));
    });
    fc.assert(
      fc.property(cases, ({ c, b, out }) => {
        checkBatching(bound(row, c), b.args, b.inAxes, { axisSize: b.size, outAxes: out });
      }),
    );
  });

  prop(row, 'vmap0')('vmap with batch size 0 gives the right shapes and dtypes', () => {
    const cases = casesFor(row, 'vmap0').chain((c) => batchedArgs(c.args, { minSize: 0, maxSize: 0 }).map((b) => ({ c, b })));
    fc.assert(
      fc.property(cases, ({ c, b }) => {
        checkBatching(bound(row, c), b.args, b.inAxes, { axisSize: 0 });
      }),
    );
  });

  prop(row, 'vmapJvp', row.gradOrder >= 1)('vmap of the JVP and of the VJP equal loops (batching rules of derivative computations)', () => {
    const cases = casesFor(row, 'vmapJvp').chain((c) => {
      const diff = c.args.flatMap((a, i) => (isFloat(a.dtype) ? [i] : []));
      const y = row.fn(c.args, c.params);
      const extra = [...diff.map((i) => tensorArb({ shape: c.args[i]!.shape })), tensorArb({ shape: y.shape, dtype: isFloat(y.dtype) ? y.dtype : 'float64' })];
      return fc.tuple(...extra).chain((ts) => batchedArgs([...c.args, ...ts]).map((b) => ({ c, b, diff, floatOut: isFloat(y.dtype) })));
    });
    fc.assert(
      fc.property(cases, ({ c, b, diff, floatOut }) => {
        if (diff.length === 0 || !floatOut) return;
        const n = c.args.length, k = diff.length;
        const split = (zs: Tensor[]) => {
          const g = (...ds: Tensor[]) => row.fn(zs.slice(0, n).map((a, i) => (diff.includes(i) ? ds[diff.indexOf(i)]! : a)), c.params);
          return { g, ds: diff.map((i) => zs[i]!), ts: zs.slice(n, n + k), u: zs[n + k]! };
        };
        const fJvp = (...zs: Tensor[]) => {
          const { g, ds, ts } = split(zs);
          return jvp(g, ds, ts);
        };
        const fVjp = (...zs: Tensor[]) => {
          const { g, ds, u } = split(zs);
          return vjp(g, ...ds)[1](u);
        };
        checkBatching(fJvp, b.args, b.inAxes, { axisSize: b.size });
        checkBatching(fVjp, b.args, b.inAxes, { axisSize: b.size });
      }),
    );
  });

  prop(row, 'linear', (row.linear ?? []).length > 0)('linearTranspose is exactly adjoint in the linear arguments', () => {
    fc.assert(
      fc.property(casesFor(row, 'linear'), fc.integer({ min: 1, max: 2 ** 30 }), (c, seed) => {
        const y = row.fn(c.args, c.params);
        if (!isFloat(y.dtype)) return;
        for (const i of (row.linear ?? []).filter((j) => j < c.args.length)) {
          const g = (v: Tensor) => row.fn(c.args.map((a, j) => (j === i ? v : a)), c.params);
          const v = randomLike(c.args[i]!.shape, seed);
          const u = randomLike(y.shape, seed + 1);
          const [ct] = linearTranspose(g, c.args[i]!)(u.cast(y.dtype)) as [Tensor];
          expect(ct.aval.toString()).toBe(c.args[i]!.aval.toString());
          // g is affine in argument i (e.g. add(v, y)); its linear part is g(v) − g(0).
          const gv = g(v).sub(g(v.mul(0)));
          const [lhs, s1] = vdot(u, gv);
          const [rhs, s2] = vdot(ct, v);
          const tol = tolerance(y.dtype);
          expect(Math.abs(lhs - rhs), `${describeCase(c)}, argument ${i}: ⟨u, g(v)⟩ = ${lhs}, ⟨gᵀu, v⟩ = ${rhs}`).toBeLessThanOrEqual(tol.atol + tol.rtol * Math.max(s1, s2));
        }
      }),
    );
  });
});
