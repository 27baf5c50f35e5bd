// Bad input gets a typed error naming the op, the argument and the shapes.
import { describe, expect, it } from 'vitest';
import {
  add, matmul, grad, vmap, jvp, vjp, zeros, ones, tensor, sum, log, arange, reshape, tree, linearTranspose, exp,
  ShapeError, DTypeError, AxisError, TransformError, TreeMismatchError, EscapedTracerError, ConcretizationError,
  DisposedTensorError, NonlinearError, ValueError, logicalAnd, cast, dotGeneral, where, take, type Tensor, random,
} from '../../src/index.js';
import { thrown } from '../helpers.js';
import { add as addPrimitive } from '../../src/core/primitives/add.js';

describe('errors', () => {
  it('shape mismatch names op and avals', () => {
    const e = thrown(() => add(zeros([2, 3]), zeros([4])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('add: shapes are not broadcast-compatible, got f32[2,3] and f32[4] (axis -1: 3 vs 4). Trailing axes must be equal or 1; align them with reshape or expandDims.');
    const m = thrown(() => matmul(zeros([3, 4]), zeros([5, 2])));
    expect(m).toBeInstanceOf(ShapeError);
    expect(m.message).toBe('matmul: inner dimensions must match, got f32[3,4] and f32[5,2] (4 ≠ 5). The last axis of the first operand must equal the second-to-last of the second; did you mean to transpose one (x.T)?');
    expect((m as ShapeError).op).toBe('matmul');
    expect(thrown(() => dotGeneral(zeros([3, 4]), zeros([5, 2]), { contract: [[1], [0]] })).message).toContain('dotGeneral: contracting dimensions must match, got f32[3,4] and f32[5,2] (4 ≠ 5)');
    expect(thrown(() => reshape(zeros([2, 3]), [4]))).toBeInstanceOf(ShapeError);
  });

  it('dtype mismatch and float-only ops', () => {
    const e = thrown(() => logicalAnd(zeros([2]), zeros([2])));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe('logicalAnd: expected bool operands, got f32[2].');
    expect(log(tensor([true])).dtype).toBe('float32'); // integer/bool inputs promote, as in NumPy
    expect(thrown(() => cast(ones([1]), 'complex64' as any))).toBeInstanceOf(DTypeError);
    const z = thrown(() => zeros([2], { dtype: 'float64' } as any));
    expect(z).toBeInstanceOf(DTypeError);
    expect(z.message).toBe(`zeros: unknown dtype {"dtype":"float64"}; pass one of 'float32', 'float64', 'int32', 'bool' (a string, not an options object).`);
    expect(thrown(() => arange(3, undefined, 1, 'f64' as any))).toBeInstanceOf(DTypeError);
    expect(thrown(() => where(zeros([2]), 1, 2))).toBeInstanceOf(DTypeError);
    expect(thrown(() => take(zeros([3]), tensor([0.5])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => grad((x: Tensor) => x.sum().cast('float32'))(arange(3)))).toBeInstanceOf(DTypeError);
  });

  it('out-of-range axes', () => {
    const e = thrown(() => sum(zeros([2, 3]), 2));
    expect(e).toBeInstanceOf(AxisError);
    expect(e.message).toBe('sum: axis 2 is out of range for a tensor of rank 2; valid axes are [-2, 2).');
    expect(thrown(() => vmap((x: Tensor) => x, { inAxes: 3 })(zeros([2])))).toBeInstanceOf(AxisError);
  });

  it('non-scalar output given to grad', () => {
    const e = thrown(() => grad((x: Tensor) => x.mul(2))(ones([10])));
    expect(e).toBeInstanceOf(TransformError);
    expect(e.message).toBe('grad: function must return a floating-point scalar, got f32[10]. Reduce it with .sum() or .mean(), or use jacrev for non-scalar outputs.');
  });

  it('mismatched pytrees', () => {
    expect(thrown(() => tree.add({ a: ones([1]) } as any, { b: ones([1]) } as any))).toBeInstanceOf(TreeMismatchError);
    const [, back] = vjp((x: Tensor) => [x, x], ones([2]));
    expect(thrown(() => back(ones([2])))).toBeInstanceOf(TreeMismatchError);
    expect(thrown(() => jvp((x: Tensor) => x, [ones([2])], [ones([3])]))).toBeInstanceOf(TransformError);
  });

  it('inconsistent vmap axis sizes name each argument', () => {
    const e = thrown(() => vmap((x: Tensor, y: Tensor) => x.add(y))(zeros([8, 3]), zeros([5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('vmap: inconsistent sizes along mapped axes: argument 0 f32[8,3] axis 0 has 8, argument 1 f32[5] axis 0 has 5. Every mapped argument needs the same size along its inAxes; mark arguments that should not be mapped with null.');
  });

  it('a leaked tracer used outside its transformation', () => {
    let leaked: Tensor | undefined;
    grad((x: Tensor) => {
      leaked = x;
      return x.sum();
    })(ones([2]));
    const e = thrown(() => leaked!.add(1));
    expect(e).toBeInstanceOf(EscapedTracerError);
    expect(e.message).toContain('leaked out of the function');
  });

  it('reading a traced value', () => {
    expect(thrown(() => grad((x: Tensor) => { x.toArray(); return x.sum(); })(ones([2])))).toBeInstanceOf(ConcretizationError);
  });

  it('reading a disposed tensor', () => {
    const x = ones([2]);
    x.dispose();
    x.dispose();
    const e = thrown(() => x.toArray());
    expect(e).toBeInstanceOf(DisposedTensorError);
    expect(e.message).toBe('toArray: tensor f32[2] was used after dispose(). Keep a tensor alive while it is used, or recompute it.');
    expect(thrown(() => x.item())).toHaveProperty('op', 'item');
    expect(thrown(() => x.toTypedArray())).toHaveProperty('op', 'toTypedArray');
    expect(thrown(() => exp(x))).toBeInstanceOf(DisposedTensorError);
  });

  it('an op reading a disposed tensor names itself and the argument', () => {
    const x = ones([3]);
    const y = ones([3]);
    y.dispose();
    const named = (f: () => unknown, op: string) => {
      const e = thrown(f);
      expect(e).toBeInstanceOf(DisposedTensorError);
      expect(e).toHaveProperty('op', op);
      expect(e.message).toMatch(new RegExp(`^${op}: argument \\S+ \\(f32\\[3\\]\\) was `));
    };
    named(() => x.add(y), 'add');
    named(() => y.mul(x), 'mul');
    named(() => exp(y), 'exp');
    // a disposed constant closed over by a transformed function is reported by the op that reads it
    named(() => grad((a: Tensor) => a.mul(y).sum())(x), 'mul');
    // below the ops layer, the eval interpreter names the primitive and the argument position
    const e = thrown(() => addPrimitive(x, y));
    expect(e).toBeInstanceOf(DisposedTensorError);
    expect(e.message).toBe('add: argument 1 (f32[3]) was disposed. Keep a tensor alive while it is used, or recompute it.');
    expect(e).toHaveProperty('argument', 'argument 1');
  });

  it('transposing a nonlinear function', () => {
    expect(thrown(() => linearTranspose((x: Tensor) => exp(x), ones([2]))(ones([2])))).toBeInstanceOf(NonlinearError);
  });

  it('invalid values', () => {
    expect(thrown(() => random.key(1.5))).toBeInstanceOf(ValueError);
    expect(thrown(() => tensor([[1, 2], [3]]))).toBeInstanceOf(ShapeError);
  });
});

describe('backend selection', () => {
  it('runs on the backend CI asked for', async () => {
    const { backendName } = await import('../../src/index.js');
    expect(backendName()).toBe(process.env['CURVAX_BACKEND'] ?? 'wasm');
  });
});
