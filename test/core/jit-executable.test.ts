// jit executables: compiled schedules equal eager evaluation and the interpreter replay bit for
// bit (every conformance op, whole training steps), retrace and recompile on new signatures,
// respect scope() and dispose(), and release every intermediate buffer exactly once, never an
// input's or an output's.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConcreteTensor, DisposedTensorError, grad, jit, logSoftmax, makeJaxpr, matmul, stopGradient, optim, random, scope, tensor, tree, valueAndGrad, vmap, type Tensor,
} from '../../src/index.js';
import { getBackend, setActiveBackend, type Backend } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { OP_SPECS } from '../conformance/op-specs.js';
import { thrown } from '../helpers.js';

/** The exact bytes of every leaf, to compare results bit for bit (NaN payloads included). */
const bits = (t: unknown): number[][] => (tree.leaves(t as never) as Tensor[]).map((l) => {
  const a = l.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
});

describe('executable = eager = replay, bit for bit', () => {
  describe.each(OP_SPECS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    it('sampled conformance cases', () => {
      for (const c of fc.sample(row.args, { seed: 17, numRuns: 6 })) {
        const f = (...xs: Tensor[]) => row.fn(xs, c.params);
        const compiled = jit(f), replay = jit(f, { compile: false });
        const eager = bits(f(...c.args));
        expect(bits(compiled(...c.args))).toEqual(eager);
        expect(bits(compiled(...c.args))).toEqual(eager); // the cached executable
        expect(bits(replay(...c.args))).toEqual(eager);
        expect(compiled.traces).toBe(1);
      }
    });
  });

  type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
  const [k1, k2, k3, k4] = random.splitList(random.key(3), 4);
  const p0: P = { w1: random.normal(k1!, [8, 32]), b1: random.normal(k2!, [32]).mul(0.1), w2: random.normal(k2!, [32, 1]), b2: tensor([0.5]) };
  const x = random.normal(k3!, [64, 8]), y = random.normal(k4!, [64, 1]);
  const loss = (p: P, xb: Tensor, yb: Tensor) => matmul(matmul(xb, p.w1).add(p.b1).tanh(), p.w2).add(p.b2).sub(yb).square().mean();

  it('an Adam training loop: 5 steps of value, gradient and update', () => {
    const opt = optim.adam({ learningRate: 1e-2 });
    const vg = valueAndGrad(loss);
    const step = (p: P, s: unknown) => {
      const [l, g] = vg(p, x, y);
      const [u, s2] = opt.update(g, s as never, p);
      return [optim.applyUpdates(p, u), s2, l] as const;
    };
    const compiled = jit(step), replay = jit(step, { compile: false });
    let pe = p0, pc = p0, pr = p0, se: unknown = opt.init(p0), sc = se, sr = se;
    for (let i = 0; i < 5; i++) {
      const [a, b, c] = [step(pe, se), compiled(pc, sc), replay(pr, sr)];
      expect(bits(b)).toEqual(bits(a));
      expect(bits(c)).toEqual(bits(a));
      [pe, se] = a; [pc, sc] = b; [pr, sr] = c;
    }
    expect(compiled.traces).toBe(1);
  });

  it('softmax cross-entropy value and gradient, and a per-example vmap(grad)', () => {
    const ce = (w: Tensor, xb: Tensor) => logSoftmax(xb.matmul(w), -1).mul(-1).sum(-1).mean();
    const w = random.normal(k1!, [8, 5]);
    const vgc = valueAndGrad(ce);
    expect(bits(jit(vgc)(w, x))).toEqual(bits(vgc(w, x)));
    const pe = vmap(grad(ce), { inAxes: [null, 0] }), xr = x.reshape([64, 1, 8]);
    expect(bits(jit(pe)(w, xr))).toEqual(bits(pe(w, xr)));
  });
});

describe('signatures, composition, tensor lifetime', () => {
  const f = (a: Tensor, b: Tensor) => a.mul(b).add(1).exp().sum(0);
  it('a new shape or dtype retraces and runs its own executable', () => {
    const jf = jit(f);
    const a = random.normal(random.key(1), [3, 4]), b = random.normal(random.key(2), [4]);
    expect(bits(jf(a, b))).toEqual(bits(f(a, b)));
    const a2 = random.normal(random.key(3), [5, 4]);
    expect(bits(jf(a2, b))).toEqual(bits(f(a2, b)));
    const a3 = a.cast('float64'), b3 = b.cast('float64');
    expect(bits(jf(a3, b3))).toEqual(bits(f(a3, b3)));
    expect(jf.traces).toBe(3);
    expect(bits(jf(a, b))).toEqual(bits(f(a, b)));
    expect(jf.traces).toBe(3);
  });

  it('under transformations the replay runs: grad(jit), vmap(jit), makeJaxpr(jit) unchanged', () => {
    const g = (a: Tensor) => a.mul(a).tanh().sum();
    const a = random.normal(random.key(4), [6]);
    expect(bits(grad(jit(g))(a))).toEqual(bits(grad(g)(a)));
    const A = random.normal(random.key(5), [3, 6]);
    expect(bits(vmap(jit(g))(A))).toEqual(bits(vmap(g)(A)));
    expect(makeJaxpr(jit(g))(a).toString()).toBe(makeJaxpr(g)(a).toString());
  });

  it('outputs that are inputs or repeated are the same tensor objects, as in the replay', () => {
    const h = jit((a: Tensor, b: Tensor) => { const c = a.add(b); return [a, c, c, stopGradient(b)]; });
    const a = tensor([1, 2]), b = tensor([3, 4]);
    const [oa, c1, c2, ob] = h(a, b) as Tensor[];
    expect(oa).toBe(a);
    expect(c1).toBe(c2);
    expect(ob).toBe(b);
    expect(c1!.toArray()).toEqual([4, 6]);
  });

  it('a disposed input is a DisposedTensorError naming jit; scope() disposes the unreturned outputs', () => {
    const jf = jit(f);
    const a = random.normal(random.key(6), [2, 3]), b = random.normal(random.key(7), [3]);
    let inner: Tensor | undefined;
    const kept = scope(() => { inner = jf(b.reshape([1, 3]), b); return jf(a, b); });
    expect((inner as ConcreteTensor).isDisposed).toBe(true);
    expect((kept as ConcreteTensor).isDisposed).toBe(false);
    expect(bits(kept)).toEqual(bits(f(a, b)));
    a.dispose();
    const e = thrown(() => jf(a, b));
    expect(e).toBeInstanceOf(DisposedTensorError);
    expect(e.message).toContain('jit');
  });
});

describe('buffer plan: every intermediate released once, after its last use', () => {
  /** A backend around js whose buffers are boxes: use after release and double release are caught. */
  type Box = { data: unknown; released: number };
  const boxes: Box[] = [];
  const box = (data: unknown): Box => { const b = { data, released: 0 }; boxes.push(b); return b; };
  const open = (b: unknown): unknown => {
    if (Array.isArray(b)) return b.map(open);
    const x = b as Box;
    if (x.released > 0) throw new Error('kernel read a released buffer');
    return x.data;
  };
  const kernels = new Proxy(jsBackend.kernels, {
    get(target, name) {
      const k = (target as any)[name];
      if (typeof k !== 'function') return k;
      if (String(name).startsWith('plan')) {
        // planned kernels: the plan sees avals only; the kernel it returns gets boxes
        return (...avals: unknown[]) => {
          const run = k.apply(target, avals) as ((...a: unknown[]) => unknown) | undefined;
          if (run === undefined) return undefined;
          if (name === 'planFused') return (xs: unknown[]) => (run(open(xs)) as unknown[]).map(box);
          return (...args: unknown[]) => box(run(...args.map(open)));
        };
      }
      return (...args: unknown[]) => {
        const res = k.apply(target, args.map((a) => (a && typeof a === 'object' && ('released' in a || (Array.isArray(a) && a[0] && 'released' in a[0])) ? open(a) : a)));
        return name === 'fused' ? res?.map(box) : box(res);
      };
    },
  });
  const counting: Backend<Box> = {
    name: 'counting', fromTyped: (d) => box(d), read: (b, a) => jsBackend.read(open(b) as never, a),
    dispose: (b) => { b.released++; }, kernels: kernels as never,
  };
  const prev = getBackend();
  afterEach(() => setActiveBackend(prev));

  const noFused: Backend<Box> = { ...counting, name: 'counting-nofused', kernels: new Proxy(kernels, { get: (t, n) => (n === 'fused' || n === 'planFused' ? undefined : (t as any)[n]) }) as never };
  it.each([['with', counting], ['without', noFused]] as const)('an MLP value+grad with fused groups (%s a fused kernel), reshapes and stop_gradient', (_w, backend) => {
    setActiveBackend(backend as Backend);
    const w = random.normal(random.key(8), [4, 6]), v = random.normal(random.key(9), [6]);
    const xb = random.normal(random.key(10), [5, 4]);
    const lossF = (p: { w: Tensor; v: Tensor }, xx: Tensor) => stopGradient(xx.matmul(p.w).tanh()).mul(2).add(xx.matmul(p.w)).matmul(p.v).reshape([5, 1]).square().mean();
    const vg = valueAndGrad(lossF);
    const expected = bits(vg({ w, v }, xb));
    const jf = jit(vg);
    jf({ w, v }, xb); // trace + compile
    const before = boxes.length;
    const inputs = [w, v, xb];
    const out = jf({ w, v }, xb);
    const made = boxes.slice(before);
    const outBoxes = new Set((tree.leaves(out as never) as Tensor[]).map((t) => (t as any).buffer()));
    const inBoxes = new Set(inputs.map((t) => (t as any).buffer()));
    expect(made.length).toBeGreaterThan(3);
    for (const b of made) expect(b.released).toBe(outBoxes.has(b) ? 0 : 1);
    for (const b of inBoxes) expect((b as Box).released).toBe(0);
    expect(bits(out)).toEqual(expected);
  });
});
