// jit's elementwise fusion: fused == unfused bit for bit (random programs), fusion happens
// where it should, the fused primitive's rules (jvp, transpose, batch) equal the unfused ones,
// the generated kernels' broadcasting/segmenting/lanes paths, and the one-by-one fallback.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, grad, jit, jvp, makeJaxpr, random, tensor, vjp, vmap, type DType, type Eqn, type Tensor } from '../../src/index.js';
import { setActiveBackend, type Backend } from '../../src/backend/backend.js';
import { fuseElementwise } from '../../src/core/fusion.js';
import { bind1 } from '../../src/core/interpreter.js';
import { backwardPass } from '../../src/core/interpreters/transpose.js';
import { PRIMITIVES } from '../../src/core/primitives/index.js';
import { stageFlat } from '../../src/core/flat.js';
import { fusedKernelsCompiled, fusedSources } from '../../src/backend/js/fused.js';
import { mlpLoss, mlpParams, type Mlp } from '../../bench/workloads.js';
import { expectClose, expectTreeClose, rand } from '../helpers.js';

type Prim = keyof typeof PRIMITIVES;
const p1 = (name: Prim, x: Tensor, params: object = {}): Tensor => bind1(PRIMITIVES[name], [x], params);
const p2 = (name: Prim, x: Tensor, y: Tensor): Tensor => bind1(PRIMITIVES[name], [x, y], {});

/** Element-by-element identity (NaN equals NaN, −0 differs from 0). */
function expectBitwise(a: Tensor, b: Tensor, what = ''): void {
  expect(a.aval.toString(), what).toBe(b.aval.toString());
  const x = a.toTypedArray(), y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) throw new Error(`${what} differs at ${i}: ${x[i]} vs ${y[i]} (${a.aval.toString()})`);
  }
}

function countFused(f: (...a: any[]) => any, ...args: unknown[]): number {
  return (jit(f).lower as (...a: unknown[]) => { fusedGroups: number })(...args).fusedGroups;
}

// ---------------------------------------------------------------------------------------------
// Random elementwise programs.
// ---------------------------------------------------------------------------------------------

const FLOAT_UNARY: Prim[] = ['neg', 'exp', 'log', 'log1p', 'expm1', 'tanh', 'logistic', 'softplus', 'sqrt', 'abs', 'sign', 'floor', 'sin', 'cos', 'stop_gradient'];
const FLOAT_BINARY: Prim[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'];
const INT_UNARY: Prim[] = ['neg', 'abs', 'sign', 'stop_gradient'];
const INT_BINARY: Prim[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
const COMPARE: Prim[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const ELEMENTWISE = new Set<string>([...FLOAT_UNARY, ...FLOAT_BINARY, ...COMPARE, 'not', 'and', 'or', 'select', 'cast']);
const SHAPES: number[][] = [[], [5], [3, 4], [2, 3, 5], [4, 1, 3]];

/** Shapes that broadcast to `s`: itself, a suffix, with some axes set to 1, a scalar. */
function broadcastable(s: number[], pick: number): number[] {
  switch (pick % 4) {
    case 0: return s;
    case 1: return s.slice(Math.min(s.length, 1));
    case 2: return s.map((d, i) => (i % 2 === 0 ? 1 : d));
    default: return [];
  }
}

function inputData(shape: number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  const v = Array.from({ length: n }, () => {
    const u = next();
    if (dtype === 'bool') return u < 0.5 ? 1 : 0;
    if (dtype === 'int32') return Math.floor(u * 13) - 6;
    return u < 0.05 ? 0 : (u - 0.4) * 6; // some zeros and negatives (log, sqrt, pow edge cases)
  });
  return tensor(v, { shape, dtype });
}

interface Recipe {
  readonly dtype: DType;
  readonly shape: number[];
  readonly inputs: number[][];
  readonly steps: [number, number, number, number][];
  readonly seed: number;
}

/** Runs a recipe: each step applies one elementwise primitive to values in the pool. */
function program(r: Recipe) {
  return (...xs: Tensor[]): Tensor[] => {
    const pool: Tensor[] = [...xs];
    const of = (dt: DType, k: number): Tensor | undefined => {
      const c = pool.filter((t) => t.dtype === dt);
      return c.length ? c[k % c.length] : undefined;
    };
    const float = r.dtype === 'float32' || r.dtype === 'float64';
    for (const [op, a, b, c] of r.steps) {
      const x = of(r.dtype, a)!, y = of(r.dtype, b)!;
      let out: Tensor;
      switch (op % 7) {
        case 0: case 1: {
          const u = float ? FLOAT_UNARY : r.dtype === 'int32' ? INT_UNARY : (['not', 'stop_gradient'] as Prim[]);
          out = p1(u[c % u.length]!, x);
          break;
        }
        case 2: case 3: {
          const bins = float ? FLOAT_BINARY : r.dtype === 'int32' ? INT_BINARY : (['and', 'or', 'eq', 'ne'] as Prim[]);
          out = p2(bins[c % bins.length]!, x, y);
          break;
        }
        case 4: { // a scalar literal operand
          const bins = float ? FLOAT_BINARY : r.dtype === 'int32' ? INT_BINARY : (['and', 'or'] as Prim[]);
          const lit = tensor(r.dtype === 'bool' ? c % 2 : float ? (c % 7) * 0.75 - 2 : (c % 5) - 2, { dtype: r.dtype });
          out = c % 2 ? p2(bins[b % bins.length]!, x, lit) : p2(bins[b % bins.length]!, lit, x);
          break;
        }
        case 5: { // where(compare(x, y), x, z)
          const pred = p2(COMPARE[c % COMPARE.length]!, x, y);
          pool.push(pred);
          out = bind1(PRIMITIVES.select, [pred, x, of(r.dtype, c)!], {});
          break;
        }
        default: { // a cast round trip through another dtype
          const via: DType[] = ['float32', 'float64', 'int32', 'bool'];
          const t = p1('cast', x, { dtype: via[c % 4]! });
          pool.push(t);
          out = t.dtype === r.dtype ? t : p1('cast', t, { dtype: r.dtype });
        }
      }
      pool.push(out);
    }
    // The last value, one intermediate (an extra output), and a reduction of another (a foreign reader).
    const last = pool[pool.length - 1]!;
    const mid = pool[xs.length + (r.seed % Math.max(1, pool.length - xs.length))] ?? last;
    const red = p1('cast', pool[Math.floor(pool.length / 2)]!, { dtype: 'float64' });
    return [last, mid, bind1(PRIMITIVES.reduce_sum, [red], { axes: red.shape.map((_, i) => i) })];
  };
}

const recipeArb: fc.Arbitrary<Recipe> = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64', 'float32', 'float64', 'int32', 'bool'),
    shape: fc.constantFrom(...SHAPES),
    picks: fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }),
    steps: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: 2, maxLength: 12 }),
    seed: fc.nat(1000),
  })
  .map(({ dtype, shape, picks, steps, seed }) => ({ dtype, shape, inputs: picks.map((k) => broadcastable(shape, k)), steps, seed }));

describe('fusion: fused == unfused, bit for bit', () => {
  it('random elementwise programs (float32/float64/int32/bool, broadcasting, literals, casts, where)', () => {
    fc.assert(
      fc.property(recipeArb, (r) => {
        const f = program(r);
        const xs = r.inputs.map((s, i) => inputData(s, r.dtype, r.seed + i));
        const eager = f(...xs);
        const fused = jit(f)(...xs);
        const plain = jit(f, { fuse: false })(...xs);
        eager.forEach((e, i) => {
          expectBitwise(fused[i]!, e, `output ${i} (fused vs eager)`);
          expectBitwise(plain[i]!, e, `output ${i} (unfused jit vs eager)`);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('fuses every random chain that has two elementwise equations of the output shape in a row', () => {
    fc.assert(
      fc.property(recipeArb, (r) => {
        const low = jit(program(r)).lower(...r.inputs.map((s, i) => inputData(s, r.dtype, i)));
        const names = low.optimized.eqns.map((e) => e.prim.name);
        expect(names.filter((n) => n === 'fused_elementwise').length).toBe(low.fusedGroups);
        expect(low.optimized.eqns.length).toBeLessThanOrEqual(low.jaxpr.eqns.length);
        // No fusion missed: an unfused elementwise equation whose only reader is another unfused
        // elementwise equation of the same shape (and which is not an output) would have joined it.
        const elementwise = (e: Eqn) => ELEMENTWISE.has(e.prim.name);
        const eqns = low.optimized.eqns;
        for (const e1 of eqns.filter(elementwise)) {
          const v = e1.outputs[0]!;
          const readers = eqns.filter((e) => e.inputs.includes(v));
          if (low.optimized.outvars.includes(v) || readers.length !== 1) continue;
          const e2 = readers[0]!;
          const same = e2.outputs[0]!.aval.shape.join() === v.aval.shape.join();
          expect(elementwise(e2) && same, `${e1.prim.name} → ${e2.prim.name} left unfused`).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('large arrays with transcendentals (the wasm backend declines them and runs kernel by kernel)', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).exp().add(x.tanh()).log().mul(0.5).sub(y.abs().sqrt());
    const x = random.normal(random.key(1), [3000]), y = random.normal(random.key(2), [3000]);
    const jf = jit(f);
    expectBitwise(jf(x, y), f(x, y), 'n = 3000');
    expect(jf.lower(x, y).fusedGroups).toBe(1);
  });

  it('W5 chain: 1000 × (mul, add) is one kernel and equals eager', () => {
    const chain = (x: Tensor) => { for (let i = 0; i < 1000; i++) x = x.mul(1.0001).add(0.0001); return x; };
    const x0 = random.normal(random.key(5), [16]);
    const jc = jit(chain);
    const low = jc.lower(x0);
    expect(low.fusedGroups).toBe(1);
    expect(low.fusedEqns).toBe(2000);
    expect(low.optimized.eqns.length).toBe(1);
    expect(low.optimized.consts.length).toBe(0); // the scalars are inlined literals
    expectBitwise(jc(x0), chain(x0), 'W5');
    expectBitwise(jc(x0.cast('float64')), chain(x0.cast('float64')), 'W5 f64');
  });
});

describe('fusion: what gets fused', () => {
  it('a chain becomes one equation; reductions and shape changes split groups', () => {
    const x = rand(1, [4, 3]);
    expect(countFused((a: Tensor) => a.mul(2).add(1).exp(), x)).toBe(1);
    const low = jit((a: Tensor) => a.mul(2).add(1).sum(0).exp().neg()).lower(x);
    expect(low.optimized.eqns.map((e) => e.prim.name)).toEqual(['fused_elementwise', 'reduce_sum', 'fused_elementwise']);
    expect(low.fusedEqns).toBe(4);
    // A single elementwise equation is left alone.
    expect(countFused((a: Tensor) => a.exp().sum(), x)).toBe(0);
  });

  it('broadcast operands are inputs of the group; a larger-shaped consumer starts a new group', () => {
    const x = rand(1, [3]), m = rand(2, [4, 3]);
    const low = jit((a: Tensor, b: Tensor) => a.exp().mul(2).add(b).tanh().mul(a)).lower(x, m);
    expect(low.optimized.eqns.map((e) => e.prim.name)).toEqual(['fused_elementwise', 'fused_elementwise']);
    expect(low.optimized.eqns[1]!.outputs[0]!.aval.shape).toEqual([4, 3]);
  });

  it('values used after the group become extra outputs; a foreign reader in between seals the group', () => {
    const x = rand(1, [5]);
    const f = (a: Tensor) => {
      const e = a.exp().mul(3); // read by sum and by the final product
      const s = e.sum();
      return e.add(1).mul(s);
    };
    const low = jit(f).lower(x);
    const names = low.optimized.eqns.map((e) => e.prim.name);
    expect(names).toEqual(['fused_elementwise', 'reduce_sum', 'fused_elementwise']);
    expect(low.optimized.eqns[0]!.outputs.length).toBe(1);
    expectBitwise(jit(f)(x), f(x));
    // Two outputs of one group.
    const g = (a: Tensor) => { const t = a.sin().mul(2); return [t, t.cos().add(1)]; };
    const lg = jit(g).lower(x);
    expect(lg.fusedGroups).toBe(1);
    expect(lg.optimized.eqns[0]!.outputs.length).toBe(2);
    jit(g)(x).forEach((t: Tensor, i: number) => expectBitwise(t, g(x)[i]!));
  });

  it('sibling branches merge into their common consumer', () => {
    const x = rand(3, [6]);
    const low = jit((a: Tensor) => a.exp().add(a.sin()).mul(a.cos())).lower(x);
    expect(low.fusedGroups).toBe(1);
    expect(low.fusedEqns).toBe(5);
  });

  it('dead code is dropped and unused constants pruned', () => {
    const x = rand(1, [5]);
    const low = jit((a: Tensor) => { a.exp().mul(7); return a.mul(2).add(1); }).lower(x);
    expect(low.jaxpr.eqns.length).toBe(4);
    expect(low.optimized.eqns.length).toBe(1);
  });

  it('makeJaxpr stays unfused (also around a jitted function); jit of jit fuses across', () => {
    const f = (a: Tensor) => a.mul(2).add(1).exp();
    const x = rand(1, [5]);
    expect(makeJaxpr(f)(x).toString()).not.toContain('fused_elementwise');
    expect(makeJaxpr(jit(f))(x).toString()).not.toContain('fused_elementwise');
    const outer = jit((a: Tensor) => jit(f)(a).neg());
    expect(outer.lower(x).fusedEqns).toBe(4);
    expectBitwise(outer(x), f(x).neg());
  });

  it('prints fused equations readably', () => {
    const s = jit((a: Tensor) => a.mul(2).add(1).exp()).lower(tensor([1, 2, 3])).toString();
    expect(s).toContain('fused_elementwise[{ t0:f32 = mul in0 2.0; t1:f32 = add t0 1.0; t2:f32 = exp t1 } → (t2)]');
  });
});

describe('fusion: transformations of jitted functions equal eager', () => {
  const f = (x: Tensor, y: Tensor) => x.mul(y).add(1).tanh().mul(x.exp()).sub(y.sigmoid().mul(x)).sum().add(x.sub(y).abs().mean());

  it('grad, jvp and vjp of jit(f)', () => {
    const x = rand(1, [6]), y = rand(2, [6]);
    expect(jit(f).lower(x, y).fusedGroups).toBeGreaterThan(0);
    expectTreeClose(grad(jit(f), { argnums: [0, 1] })(x, y), grad(f, { argnums: [0, 1] })(x, y), 0);
    const [o1, t1] = jvp(jit(f), [x, y], [y, x]);
    const [o2, t2] = jvp(f, [x, y], [y, x]);
    expectClose(o1, o2, 0);
    expectClose(t1, t2, 0);
    const [, back] = vjp(jit(f), x, y);
    const [, back2] = vjp(f, x, y);
    expectTreeClose(back(tensor(1.5, { dtype: 'float64' })), back2(tensor(1.5, { dtype: 'float64' })), 0);
  });

  it('second order: grad(grad(jit)) and jit(grad(grad))', () => {
    const h = (x: Tensor) => x.mul(x).sin().add(x.exp().mul(0.5)).sum();
    const g2 = (x: Tensor) => grad((z: Tensor) => grad(h)(z).sum())(x);
    const x = rand(4, [5]);
    expectClose(grad((z: Tensor) => grad(jit(h))(z).sum())(x), g2(x), 0);
    expectClose(jit(g2)(x), g2(x), 0);
    expect(jit(g2).lower(x).fusedGroups).toBeGreaterThan(0);
  });

  it('vmap(jit(f)) stays fused and equals vmap(f), for mapped axes in any position', () => {
    const X = rand(3, [4, 6]), Y = rand(4, [6, 4]), y = rand(5, [6]);
    const g = (x: Tensor, z: Tensor) => x.mul(z).add(1).tanh().mul(x.exp());
    const jg = jit(g);
    expectClose(vmap(jg, { inAxes: [0, null] })(X, y), vmap(g, { inAxes: [0, null] })(X, y), 0);
    expectClose(vmap(jg, { inAxes: [0, 1] })(X, Y), vmap(g, { inAxes: [0, 1] })(X, Y), 0);
    expectClose(vmap(jg, { inAxes: [1, 1] })(Y, Y), vmap(g, { inAxes: [1, 1] })(Y, Y), 0);
    // Broadcasting operand with a mapped axis of lower rank.
    const h = (a: Tensor, b: Tensor) => a.add(b).exp().mul(2);
    const A = rand(6, [3, 2, 4]), b = rand(7, [3, 4]);
    expectClose(vmap(jit(h), { inAxes: [0, 0] })(A, b), vmap(h, { inAxes: [0, 0] })(A, b), 0);
    // Nested vmap.
    expectClose(vmap(vmap(jg, { inAxes: [0, null] }), { inAxes: [1, null] })(rand(8, [3, 2, 6]), y), vmap(vmap(g, { inAxes: [0, null] }), { inAxes: [1, null] })(rand(8, [3, 2, 6]), y), 0);
    expect(vmap(jg, { inAxes: [0, null] })(X.cast('float32'), y.cast('float32')).dtype).toBe('float32');
  });

  it('a step reading only unmapped inputs is broadcast: vmap, jvp(vmap), vmap(jvp) of jit', () => {
    const g = (a: Tensor, b: Tensor) => a.mul(b).add(1).exp().sub(b.sqrt().mul(a.sin()));
    const A = rand(1, [4, 3]), b = rand(2, [3]).abs(), T = rand(3, [4, 3]), tb = rand(4, [3]);
    const vg = (h: typeof g) => vmap(h, { inAxes: [0, null] });
    expectClose(vg(jit(g))(A, b), vg(g)(A, b), 0);
    const [o1, t1] = jvp(vg(jit(g)), [A, b], [T, tb]);
    const [o2, t2] = jvp(vg(g), [A, b], [T, tb]);
    expectClose(o1, o2, 0);
    expectClose(t1, t2, 0);
    const jv = (h: typeof g) => vmap((a: Tensor, ta: Tensor) => jvp(h, [a, b], [ta, tb])[1], { inAxes: [0, 0] });
    expectClose(jv(jit(g))(A, T), jv(g)(A, T), 0);
  });

  it('jit(vmap(grad(f))) and vmap(grad(jit(f))) equal eager', () => {
    const X = rand(6, [3, 6]), y = rand(7, [6]);
    const pe = vmap(grad(f), { inAxes: [0, null] });
    expectClose(jit(pe)(X, y), pe(X, y), 0);
    expectClose(vmap(grad(jit(f)), { inAxes: [0, null] })(X, y), pe(X, y), 0);
  });

  it('jit(vmap(grad(mlpLoss))) of the benchmark MLP equals eager, with fused kernels', () => {
    const p = mlpParams(0);
    const x = random.normal(random.key(11), [8, 784]);
    const y = tensor([1, 3, 5, 7, 9, 0, 2, 4], { dtype: 'int32' });
    const pe = vmap((q: Mlp, xi: Tensor, yi: Tensor) => grad(mlpLoss)(q, xi.reshape([1, 784]), yi.reshape([1])), { inAxes: [null, 0, 0] });
    const jpe = jit(pe);
    expect(jpe.lower(p, x, y).fusedGroups).toBeGreaterThan(0);
    const a = jpe(p, x, y) as Mlp, b = pe(p, x, y) as Mlp;
    for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
      const u = a[k].toTypedArray(), v = b[k].toTypedArray();
      let worst = 0, scale = 0;
      for (let i = 0; i < u.length; i++) { worst = Math.max(worst, Math.abs(u[i]! - v[i]!)); scale = Math.max(scale, Math.abs(v[i]!)); }
      expect(worst, k).toBeLessThanOrEqual(1e-6 * Math.max(scale, 1e-3));
    }
  });
});

describe('fused_elementwise rules on the optimized jaxpr', () => {
  it('transpose rule (linear program with known factors) equals the unfused backward pass', () => {
    const c = rand(9, [5]);
    const lin = ([x, y]: Tensor[]) => [x!.mul(c.exp()).add(y!.mul(2)).neg().sub(x!.div(c))];
    const avals = [rand(1, [5]).aval, rand(1, [5]).aval];
    const plain = stageFlat(lin, avals);
    const { jaxpr: fused, stats } = fuseElementwise(plain);
    expect(stats.fusedGroups).toBe(1);
    const ct = rand(10, [5]);
    const a = backwardPass(fused, [ct]), b = backwardPass(plain, [ct]);
    expectClose(a[0] as Tensor, b[0] as Tensor, 0);
    expectClose(a[1] as Tensor, b[1] as Tensor, 0);
  });

  it('transpose of a non-linear step inside a group is a NonlinearError', () => {
    const plain = stageFlat(([x]: Tensor[]) => [x!.exp().mul(2)], [rand(1, [3]).aval]);
    const { jaxpr } = fuseElementwise(plain);
    expect(() => backwardPass(jaxpr, [rand(2, [3])])).toThrow(/not linear/);
  });
});

describe('fused kernels', () => {
  it('broadcast patterns: contiguous, size-1, strided (general odometer path), n not a multiple of the lanes', () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) => p2('max', a.mul(b).add(c).sub(a.div(c.add(3))), b);
    const cases: [number[], number[], number[]][] = [
      [[7], [7], [1]], [[2, 3, 5], [3, 1], [5]], [[4, 1, 3], [1, 5, 1], [3]], [[1], [6, 1], [1, 5]], [[3, 4], [1, 4], [3, 1]],
      [[0, 3], [3], [1]], [[1], [1], [1]], [[2, 1, 3, 1], [1, 4, 1, 2], [2, 4, 3, 2]],
    ];
    for (const [sa, sb, sc] of cases) {
      for (const dt of ['float32', 'float64'] as const) {
        const a = inputData(sa, dt, 1), b = inputData(sb, dt, 2), c = inputData(sc, dt, 3);
        expectBitwise(jit(f)(a, b, c), f(a, b, c), `${sa}|${sb}|${sc} ${dt}`);
      }
    }
  });

  it('long programs are split into segments; values cross segments through scratch and outputs', () => {
    const f = (a: Tensor, b: Tensor) => {
      const keep: Tensor[] = [];
      let x = a;
      for (let i = 0; i < 130; i++) {
        x = x.mul(b).add(i % 3 === 0 ? a : 0.5).tanh();
        if (i % 40 === 7) keep.push(x);
      }
      return [x.add(keep[0]!).mul(keep[1]!), keep[2]!];
    };
    const a = rand(1, [3, 5]), b = rand(2, [5]);
    const low = jit(f).lower(a, b);
    expect(low.fusedGroups).toBe(1);
    const eqn = low.optimized.eqns[0]!;
    const srcs = fusedSources(eqn.params.program, ['f', 'g'], true);
    expect(srcs.sources.length).toBeGreaterThan(5);
    const out = jit(f)(a, b), ref = f(a, b);
    expectBitwise(out[0]!, ref[0]!, 'final');
    expectBitwise(out[1]!, ref[1]!, 'kept');
  });

  it('compiled kernels are reused: across calls, and across retraces of the same program', () => {
    const f = (a: Tensor) => a.mul(3).add(1).sin();
    const x = rand(1, [7]);
    jit(f)(x);
    const before = fusedKernelsCompiled();
    const jf = jit(f); // a fresh jit: new trace, same program text
    jf(x); jf(x); jf(rand(2, [7]));
    expect(fusedKernelsCompiled()).toBe(before);
    jf(rand(3, [2, 7])); // same program, same (contiguous) pattern: still cached
    expect(fusedKernelsCompiled()).toBe(before);
  });

  it('int32 and bool semantics: wrapping, integer division, casts, not/and/or', () => {
    const i = tensor([2147483647, -2147483648, 7, -7, 0, 5], { dtype: 'int32' });
    const j = tensor([1, -1, 2, 2, 0, -3], { dtype: 'int32' });
    const f = (a: Tensor, b: Tensor) => [
      p2('div', p2('add', a, b), p2('sub', b, tensor(0, { dtype: 'int32' }))), // wraps, then truncating division (÷0 → 0)
      p2('mul', p1('neg', a), b),
      p1('cast', p2('and', p2('lt', a, b), p1('not', p2('eq', b, b))), { dtype: 'int32' }),
      p1('cast', p1('cast', p2('mul', p1('cast', a, { dtype: 'float32' }), tensor(1.5)), { dtype: 'int32' }), { dtype: 'bool' }),
    ];
    const out = jit(f)(i, j), ref = f(i, j);
    expect(jit(f).lower(i, j).fusedGroups).toBeGreaterThan(0);
    ref.forEach((r, k) => expectBitwise(out[k]!, r, `int case ${k}`));
  });

  describe('a backend without the fused kernel runs the steps one by one', () => {
    let saved: Backend | undefined;
    afterEach(() => { if (saved) setActiveBackend(saved); });
    it('same values, fused equations still in the program', () => {
      saved = getBackend();
      const { fused: _drop, ...rest } = saved.kernels as Backend['kernels'] & { fused?: unknown };
      setActiveBackend({ ...saved, name: `${saved.name}-nofuse`, kernels: rest as Backend['kernels'] });
      const f = (a: Tensor, b: Tensor) => a.mul(b).add(1).exp().sub(b.sqrt());
      const a = rand(1, [4, 3]), b = rand(2, [3]).abs();
      const jf = jit(f);
      expect(jf.lower(a, b).fusedGroups).toBe(1);
      expectBitwise(jf(a, b), f(a, b));
      expectClose(vmap(jf, { inAxes: [0, null] })(a, b), vmap(f, { inAxes: [0, null] })(a, b), 0);
    });
  });
});
