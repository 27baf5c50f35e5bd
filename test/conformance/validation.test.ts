/**
 * Every argument check of issue 13: each case once returned a silent wrong result (NaNs,
 * shapes like f32[2,2.5], truncated indices) or a generic TypeError/RangeError from inside the
 * library; each must now throw a typed CurvaxError naming the op and the argument.
 */
import { describe, expect, it } from 'vitest';
import {
  AxisError, CurvaxError, DisposedTensorError, DTypeError, InvalidTreeError, ShapeError, TransformError, ValueError,
  arange, argmax, argmin, concat, dotGeneral, expandDims, grad, jacfwd, jvp, logSoftmax, makeJaxpr, evalJaxpr, max, oneHot, ones,
  random, reshape, slice, softmax, squeeze, stack, sum, take, tensor, transpose, tree, valueAndGrad, vjp, vmap, zeros, type Tensor,
} from '../../src/index.js';
import * as cx from '../../src/index.js';
import { checkTensorTree } from '../../src/transforms/common.js';
import { thrown } from '../helpers.js';

type ErrorClass = new (...a: any[]) => CurvaxError;

/** Asserts `f` throws `cls`, a CurvaxError, whose message contains every fragment. */
function rejects(f: () => unknown, cls: ErrorClass, ...fragments: string[]): CurvaxError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(cls);
  for (const s of fragments) expect(e.message).toContain(s);
  return e as CurvaxError;
}

const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });

describe('unchecked arguments that reached kernels', () => {
  it('dotGeneral rejects an axis both contracted and batched, and a repeated contracting axis', () => {
    rejects(() => dotGeneral(ones([2, 2]), ones([2, 2]), { contract: [[0], [0]], batch: [[0], [0]] }), AxisError, 'dotGeneral', 'more than once', 'f32[2,2]');
    rejects(() => dotGeneral(ones([2, 2]), ones([2, 2]), { contract: [[0, 0], [0, 1]] }), AxisError, 'dotGeneral', '[0,0]');
    rejects(() => dotGeneral(ones([2, 2]), ones([2, 2]), { contract: [[0.5], [0]] }), AxisError, 'dotGeneral', 'dims.contract[0]', '0.5');
    rejects(() => dotGeneral(ones([2, 2]), ones([2, 2]), { contract: [0, 0] } as never), ShapeError, 'dotGeneral', 'dims.contract');
    rejects(() => dotGeneral(ones([2, 2]), ones([2, 2]), undefined as never), ShapeError, 'dotGeneral', 'dims');
  });
  it('take rejects gathering from an empty axis, and fractional, NaN or non-numeric indices', () => {
    rejects(() => take(zeros([0]), [0]), ShapeError, 'take', 'empty', 'f32[0]');
    expect(take(zeros([0, 3]), i32([]), 0).shape).toEqual([0, 3]);
    rejects(() => take(arange(5), [1.5]), ValueError, 'take', 'indices[0]', '1.5');
    rejects(() => take(arange(5), [[0, NaN]] as never), ValueError, 'take', 'indices[0][1]', 'NaN');
    rejects(() => take(arange(5), 2.5), ValueError, 'take', '2.5');
    rejects(() => take(arange(5), 'a' as never), DTypeError, 'take', 'indices');
    rejects(() => take(arange(5), [0], 0.5), AxisError, 'take', 'axis', '0.5');
  });
  it('slice, oneHot, vmap axisSize and arange never create fractional or NaN shapes', () => {
    rejects(() => slice(ones([4, 4]), [0, 1.5]), ShapeError, 'slice', 'starts[1]', '1.5');
    rejects(() => slice(ones([4, 4]), [0, 1], [2, 0.5]), ShapeError, 'slice', 'sizes[1]', '0.5');
    rejects(() => slice(ones([4]), 1 as never), ShapeError, 'slice', 'starts');
    rejects(() => oneHot(i32([0, 1]), 2.5), ValueError, 'oneHot', 'depth', '2.5');
    rejects(() => oneHot(i32([0, 1]), -1), ValueError, 'oneHot', 'depth', '-1');
    rejects(() => vmap((x: Tensor) => x, { inAxes: null, axisSize: 2.5 }), ValueError, 'vmap', 'axisSize', '2.5');
    rejects(() => vmap((x: Tensor) => x, { axisSize: 3 })(ones([2])), ShapeError, 'vmap', 'axisSize 3', '2');
    rejects(() => arange(NaN), ValueError, 'arange', 'start', 'NaN');
    rejects(() => arange(0, Infinity), ValueError, 'arange', 'stop');
    rejects(() => arange(1e12), ShapeError, 'arange', 'length');
  });
  it('tensor(data, { shape }) requires the sizes to agree, also for tensor data', () => {
    rejects(() => tensor([1, 2, 3], { shape: [2] }), ShapeError, 'tensor', '[2]', '3');
    rejects(() => tensor(ones([3]), { shape: [2] }), ShapeError, 'tensor', '[2]', 'f32[3]');
    expect(tensor(ones([6]), { shape: [2, 3] }).shape).toEqual([2, 3]);
    rejects(() => tensor({ a: 1 } as never), ShapeError, 'tensor', 'data');
    rejects(() => tensor(new Int16Array(2) as never), DTypeError, 'tensor', 'Int16Array');
  });
  it('argmax/argmin of an empty tensor throw like max does', () => {
    const emax = rejects(() => max(zeros([0])), AxisError, 'max', 'empty');
    rejects(() => argmax(zeros([0])), emax.constructor as ErrorClass, 'argmax', 'empty', 'f32[0]');
    rejects(() => argmin(zeros([2, 0]), 1), AxisError, 'argmin', 'empty');
  });
  it('random.split and friends require non-negative integer counts', () => {
    const k = random.key(0);
    rejects(() => random.split(k, -1), ValueError, 'random.split', 'n', '-1');
    rejects(() => random.split(k, 1.5), ValueError, 'random.split', '1.5');
    rejects(() => random.splitList(k, NaN), ValueError, 'random.splitList', 'NaN');
    rejects(() => random.permutation(k, -2), ValueError, 'random.permutation', 'n');
    rejects(() => random.categorical(k, ones([3]), 1), AxisError, 'random.categorical', 'axis');
    rejects(() => random.normal([1, 2] as never, [2]), ValueError, 'random.normal', 'key');
  });
});

describe('typed errors where generic ones escaped', () => {
  it('every op that takes axes accepts a number, a list or an options object, and rejects anything else by name', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    rejects(() => sum(x, { axis: '1' } as never), AxisError, 'sum', '"1"');
    rejects(() => sum(x, '1' as never), AxisError, 'sum', '"1"');
    rejects(() => sum(x, { axes: 1 } as never), ValueError, 'sum', "'axes'");
    const ref = logSoftmax(x, -1).toArray();
    expect(logSoftmax(x, { axis: -1 }).toArray()).toEqual(ref);
    expect(logSoftmax(x, [-1]).toArray()).toEqual(ref);
    expect(softmax(x, { axis: 1 }).toArray()).toEqual(softmax(x, 1).toArray());
    rejects(() => softmax(x, { axis: 1, keepDims: true } as never), ValueError, 'softmax', 'keepDims');
    rejects(() => logSoftmax(x, { axis: 'a' } as never), AxisError, 'logSoftmax', '"a"');
    expect(argmax(x, { axis: 1, keepDims: true }).toArray()).toEqual(argmax(x, 1, true).toArray());
    expect(argmax(x, [0]).toArray()).toEqual(argmax(x, 0).toArray());
    rejects(() => argmax(x, [0, 1]), AxisError, 'argmax', 'single axis');
    expect(concat([x, x], { axis: 1 }).shape).toEqual([2, 6]);
    expect(stack([x, x], { axis: -1 }).shape).toEqual([2, 3, 2]);
    expect(take(x, [0], { axis: 1 }).shape).toEqual([2, 1]);
    expect(expandDims(x, { axis: 0 }).shape).toEqual([1, 2, 3]);
    expect(squeeze(ones([1, 2, 1]), { axis: [0, 2] }).shape).toEqual([2]);
    expect(sum(x, { axis: [0, 1], keepDims: true }).shape).toEqual([1, 1]);
  });
  it('jvp without lists, concat of a non-list, transpose/reshape with bad arguments', () => {
    rejects(() => jvp((a: Tensor) => a, ones([2]) as never, ones([2]) as never), TransformError, 'jvp', 'primals', 'jvp(f, [x], [v])');
    rejects(() => jvp((a: Tensor) => a, [ones([2])], ones([2]) as never), TransformError, 'jvp', 'tangents');
    rejects(() => concat(ones([2]) as never), ShapeError, 'concat', 'xs', 'list');
    rejects(() => stack('ab' as never), ShapeError, 'stack', 'xs');
    rejects(() => transpose(ones([2, 3]), [0, 0]), AxisError, 'transpose', 'perm');
    rejects(() => reshape(ones([6]), 6 as never), ShapeError, 'reshape', 'shape');
    rejects(() => reshape(ones([6]), [4, 2]), ShapeError, 'reshape', '[4,2]');
  });
  it('circular and very deep pytrees give InvalidTreeError, not a stack overflow', () => {
    const a: Record<string, unknown> = { w: ones([2]) };
    a['self'] = a;
    rejects(() => grad((p: { w: Tensor }) => p.w.sum())(a as never), InvalidTreeError, 'grad', 'circular', '.self');
    rejects(() => tree.leaves(a as never), InvalidTreeError, 'circular');
    let deep: unknown = ones([1]);
    for (let i = 0; i < 20000; i++) deep = [deep];
    rejects(() => tree.leaves(deep as never), InvalidTreeError, 'deep');
    rejects(() => vmap((x: unknown) => x)(deep as never), InvalidTreeError, 'vmap', 'deep');
    // shared (non-circular) subtrees are fine
    const shared = { w: ones([2]) };
    expect(tree.leaves([shared, shared] as never)).toHaveLength(2);
  });
  it('transformations name the argument and the leaf path of a bad leaf', () => {
    const f = (x: any) => x.square().sum();
    rejects(() => grad(f)([1, 2, 3]), TransformError, 'grad: argument 0 is a JS array of numbers, not a Tensor; wrap it with tensor(...)');
    rejects(() => grad((p: any) => p.w.sum())({ w: [1, 2] }), TransformError, 'grad: argument 0 at .w is a JS array of numbers');
    rejects(() => valueAndGrad((p: any, q: any) => p.sum(), { argnums: 1 })(ones([2]), { a: [ones([1]), 'x'] }), TransformError, 'valueAndGrad: argument 1 at .a[1] is a string');
    rejects(() => vjp((x: any) => x, new Float32Array(2) as never), TransformError, 'vjp: argument 0 is a Float32Array', 'tensor(...)');
    rejects(() => vmap((x: any) => x)({ m: new Map() }), TransformError, 'vmap: argument 0 at .m is a Map');
    rejects(() => jacfwd(f)({}), TransformError, 'jacfwd', 'nothing to differentiate');
    rejects(() => makeJaxpr(f)([ones([1]), [1, 2]]), TransformError, 'makeJaxpr: argument 0 at [1] is a JS array of numbers');
    rejects(() => makeJaxpr(f)([[1, 2], [3, 4]]), TransformError, 'makeJaxpr: argument 0 is a JS array of numbers');
    rejects(() => evalJaxpr({} as never), TransformError, 'evalJaxpr', 'staged');
    rejects(() => grad(3 as never), TransformError, 'grad', 'function');
    rejects(() => grad(f, { argnums: 'a' as never })(ones([2])), TransformError, 'grad', 'argnums');
    const d = ones([2]);
    d.dispose();
    rejects(() => grad((p: any) => p.w.sum())({ w: d }), DisposedTensorError, 'grad: argument 0 at .w', 'disposed');
    // the shared checker, as other modules call it
    rejects(() => checkTensorTree('fisher', { layer: { w: [1, 2] } }, 'params'), TransformError, 'fisher: params at .layer.w is a JS array of numbers');
    const [leaves] = checkTensorTree('fisher', { w: ones([2]), s: 2 }, 'params');
    expect(leaves.map((l) => l.shape)).toEqual([[], [2]]);
  });
});

describe('bool arithmetic follows NumPy', () => {
  const bools = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((i * 7919 + seed) % 5) < 2);
  it('sum of bool counts the true entries as int32 (no wrap at 256)', () => {
    for (const n of [255, 256, 300, 1000]) {
      const data = bools(n, n);
      const s = sum(tensor(data));
      expect(s.dtype).toBe('int32');
      expect(s.item()).toBe(data.filter(Boolean).length);
    }
    expect(sum(ones([300], 'bool')).item()).toBe(300);
    const m = [[true, true, false], [true, false, false]];
    expect(sum(tensor(m), 1).toArray()).toEqual(m.map((r) => r.filter(Boolean).length));
  });
  it('bool matmul/dot/outer/dotGeneral give bool: a logical or of ands, never wrapping mod 256', () => {
    const n = 256;
    const a = ones([1, n], 'bool'), b = ones([n, 1], 'bool');
    const p = a.matmul(b);
    expect(p.dtype).toBe('bool');
    expect(p.toArray()).toEqual([[true]]);
    const x = [[true, false, true], [false, false, false]], y = [[false, true], [false, true], [true, false]];
    const ref = x.map((r) => y[0]!.map((_, j) => r.some((v, k) => v && y[k]![j]!)));
    expect(tensor(x).matmul(tensor(y)).toArray()).toEqual(ref);
    expect(dotGeneral(tensor(x), tensor(y), { contract: [[1], [0]] }).toArray()).toEqual(ref);
  });
  it('bool add is or, mul is and, div is float division; sub and neg are errors', () => {
    const a = tensor([true, true, false, false]), b = tensor([true, false, true, false]);
    const add = a.add(b);
    expect(add.dtype).toBe('bool');
    expect(Array.from(add.cast('int32').toTypedArray())).toEqual([1, 1, 1, 0]);
    expect(Array.from(a.mul(b).cast('int32').toTypedArray())).toEqual([1, 0, 0, 0]);
    expect(a.div(b).dtype).toBe('float32');
    rejects(() => a.sub(b), DTypeError, 'sub', 'bool[4]');
    rejects(() => a.neg(), DTypeError, 'neg', 'logicalNot');
  });
});

describe('regressions found by the fuzz suite', () => {
  it('NaN and infinities are true as bools (NumPy), in cast, tensor and full', () => {
    const x = tensor([NaN, 0, -0, Infinity, 2]);
    const want = Array.from(x.toTypedArray()).map((v) => v !== 0);
    expect(x.cast('bool').toArray()).toEqual(want);
    expect(tensor([NaN, 0, Infinity], { dtype: 'bool' }).toArray()).toEqual([NaN, 0, Infinity].map((v) => v !== 0));
    expect(cx.full([2], Infinity, 'bool').toArray()).toEqual([true, true]);
  });
  it('logSumExp over an empty axis is -inf (log of an empty sum), not an error from max', () => {
    const r = cx.logSumExp(zeros([2, 0]), 1);
    expect(r.shape).toEqual([2]);
    expect(Array.from(r.toTypedArray())).toEqual([-Infinity, -Infinity]);
  });
  it('jacfwd and jacrev with mixed float32/float64 leaves', () => {
    const f = (p: { a: Tensor; b: Tensor }) => p.a.square().sum().cast('float64').add(p.b.square().sum());
    const p = { a: tensor([1, 2]), b: tensor([3], { dtype: 'float64' }) };
    const jf = jacfwd(f)(p) as { a: Tensor; b: Tensor }, jr = cx.jacrev(f)(p) as { a: Tensor; b: Tensor };
    expect(Array.from(jf.a.toTypedArray())).toEqual([2, 4]);
    expect(Array.from(jr.a.toTypedArray())).toEqual([2, 4]);
    expect(Array.from(jf.b.toTypedArray())).toEqual([6]);
    expect(jr.a.dtype).toBe('float32');
  });
  it('errors carry the public name of the op that was called', () => {
    rejects(() => cx.zeros([2.5]), ShapeError, 'zeros');
    rejects(() => cx.dot(ones([2]), ones([3])), ShapeError, 'dot');
    rejects(() => cx.std(ones([2]), 3), AxisError, 'std');
    rejects(() => cx.clip(ones([2]), ones([3]), 1), ShapeError, 'clip');
    rejects(() => cx.zerosLike([1, 2] as never), DTypeError, 'zerosLike');
    rejects(() => cx.promoteTypes('float32', 'float16' as never), DTypeError, 'promoteTypes');
    const d = ones([2]);
    d.dispose();
    rejects(() => cx.exp(d), DisposedTensorError, 'exp');
    rejects(() => random.categorical(random.key(0), zeros([0])), ValueError, 'random.categorical');
    rejects(() => random.split(ones([3, 2], 'int32')), ValueError, 'random.split', 'key');
    rejects(() => tree.add({ w: 'x' } as never, { w: 'x' } as never), TransformError, 'tree.add', '.w');
  });
});

describe('non-float leaves are located by path', () => {
  it('grad and jvp name the argument and path of an integer leaf', () => {
    rejects(() => grad((p: any) => p.w.sum())({ w: ones([2], 'int32') }), DTypeError, 'grad', 'argument 0 at .w is i32[2]');
    rejects(() => jvp((a: any, p: any) => p.w.sum(), [ones([1]), { w: ones([2], 'int32') }], [ones([1]), { w: ones([2], 'int32') }]), DTypeError, 'jvp', 'primal 1 at .w');
  });
});

describe('logicalNot of numbers follows NumPy', () => {
  it('is x == 0 (bool), NaN counting as true', () => {
    const data = [0, 2, NaN, -0];
    const r = cx.logicalNot(tensor(data));
    expect(r.dtype).toBe('bool');
    expect(r.toArray()).toEqual(data.map((v) => v === 0));
  });
});
