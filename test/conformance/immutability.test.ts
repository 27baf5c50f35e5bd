/**
 * Immutability: no op (nor its JVP, VJP, batched or staged evaluation) changes the data of
 * its input tensors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalJaxpr, isFloat, jvp, makeJaxpr, vjp, vmap, type Tensor } from '../../src/index.js';
import { batchedArgs } from '../../src/testing/index.js';
import { OP_SPECS } from './op-specs.js';

const snapshot = (ts: readonly Tensor[]): Float64Array[] => ts.map((t) => Float64Array.from(t.toTypedArray()));
/** Bitwise equality (distinguishes −0 from 0, matches NaN with NaN). */
const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.each(OP_SPECS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
  it('leaves its inputs unchanged (eval, jvp, vjp, vmap, makeJaxpr/evalJaxpr)', () => {
    const cases = row.args.chain((c) => batchedArgs(c.args).map((b) => ({ c, b })));
    fc.assert(
      fc.property(cases, ({ c, b }) => {
        const all = [...c.args, ...b.args];
        const before = snapshot(all);
        const f = (...xs: Tensor[]) => row.fn(xs, c.params);
        const y = f(...c.args);
        evalJaxpr(makeJaxpr(f)(...c.args), ...c.args);
        vmap(f, { inAxes: b.inAxes, axisSize: b.size })(...b.args);
        const diffIdx = c.args.flatMap((a, i) => (isFloat(a.dtype) ? [i] : []));
        if (row.gradOrder >= 1 && isFloat(y.dtype) && diffIdx.length > 0) {
          const g = (...ds: Tensor[]) => f(...c.args.map((a, i) => (diffIdx.includes(i) ? ds[diffIdx.indexOf(i)]! : a)));
          const ds = diffIdx.map((i) => c.args[i]!);
          jvp(g, ds, ds);
          const [out, back] = vjp(g, ...ds);
          back(out);
        }
        const after = snapshot(all);
        all.forEach((t, i) => expect(sameBits(before[i]!, after[i]!), `input ${i} ${t.aval.toString()} changed`).toBe(true));
      }),
    );
  });
});
