// Users meet one tensor type: every public function returns `Tensor`, never the internal
// `ConcreteTensor` (issue: `let d = { x: tensor(…) }; d = { x: take(…) }` did not type-check).
// The type assertions are checked by `tsc -p tsconfig.json` (CI's type-check step); the runtime
// assertions check the same values.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as curvax from 'curvax';
import { arange, ConcreteTensor, eye, full, linspace, ones, onesLike, take, tensor, zeros, zerosLike, type Tensor } from 'curvax';

/** Keys of `M` whose call signature returns `ConcreteTensor` (or a subtype of it); `any` does not count. */
type ConcreteReturners<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => infer R ? (0 extends 1 & R ? never : [R] extends [ConcreteTensor] ? K : never) : never;
}[keyof M];

describe('public tensor type', () => {
  it('a record built by tensor() accepts the result of an op', () => {
    let d = { x: tensor([1, 2, 3]) };
    d = { x: take(tensor([10, 20, 30]), tensor([2, 0], { dtype: 'int32' })) };
    expectTypeOf(d.x).toEqualTypeOf<Tensor>();
    expect(d.x.toArray()).toEqual([30, 10]);
  });

  it('creation functions return Tensor', () => {
    const made = [tensor(1), zeros([2]), ones([2]), full([2], 3), arange(3), linspace(0, 1, 3), eye(2), zerosLike(eye(2)), onesLike(eye(2))];
    expectTypeOf(tensor).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(zeros).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(ones).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(full).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(arange).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(linspace).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(eye).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(zerosLike).returns.toEqualTypeOf<Tensor>();
    expectTypeOf(onesLike).returns.toEqualTypeOf<Tensor>();
    expect(made.map((t) => t.shape)).toEqual([[], [2], [2], [2], [3], [3], [2, 2], [2, 2], [2, 2]]);
  });

  it('no function of the main entry or its namespaces is typed to return ConcreteTensor', () => {
    expectTypeOf<ConcreteReturners<typeof curvax>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.random>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.tree>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.linalg>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.optim>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.curvature>>().toEqualTypeOf<never>();
    expectTypeOf<ConcreteReturners<typeof curvax.likelihoods>>().toEqualTypeOf<never>();
    // The helper does detect a function typed to return ConcreteTensor:
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectTypeOf<ConcreteReturners<{ f: () => ConcreteTensor; g: () => Tensor; h: () => any }>>().toEqualTypeOf<'f'>();
    // At run time, creation results are tensors (ConcreteTensor stays an implementation detail).
    expect(tensor([1]) instanceof curvax.Tensor).toBe(true);
  });
});
