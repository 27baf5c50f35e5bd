// Reuse of the exact-diagonal program across operators of one model function: a hit only when
// the traced forward pass and factor are identical (program text and constant bytes), and the
// reused program returns what a fresh one computes.
import { afterEach, describe, expect, it } from 'vitest';
import { curvature, likelihoods, random, tensor, tree, type Tensor } from '../../src/index.js';
import { curvatureCompilation } from '../../src/curvature/compiled.js';
import { programReuse } from '../../src/curvature/program-cache.js';
import { inputs, mlp, mlpParams, type Mlp } from './models.js';

afterEach(() => { curvatureCompilation.enabled = true; });
const lik = likelihoods.categorical();
const bits = (t: unknown): number[] => tree.leaves(t as never).flatMap((l) => Array.from((l as Tensor).toTypedArray() as ArrayLike<number>));
const params = mlpParams(21, 5, 4, 3);
const x = inputs(22, 10, 5);
/** The diagonal, and whether it reused a program (+1 hit) or made one (+1 miss). */
const diagonal = (model: (p: Mlp, x: Tensor) => Tensor, ps: Mlp = params, xs: Tensor = x) => {
  const h = programReuse.hits, m = programReuse.misses;
  const d = curvature.fisher({ model, likelihood: lik }, ps, { x: xs }).diagonal();
  return { d, hit: programReuse.hits - h, miss: programReuse.misses - m };
};
/** The same diagonal, compiled freshly (a new model function each time, so nothing is reused). */
const fresh = (f: (p: Mlp, x: Tensor) => Tensor, ps: Mlp = params, xs: Tensor = x) => diagonal((p, xx) => f(p, xx), ps, xs).d;

describe('exact-diagonal program reuse', () => {
  it('a second operator of the same model and shapes reuses the program, with new parameter values', () => {
    const model = (p: Mlp, xn: Tensor) => mlp(p, xn);
    expect(diagonal(model)).toMatchObject({ hit: 0, miss: 1 });
    const p2 = mlpParams(23, 5, 4, 3);
    const second = diagonal(model, p2);
    expect(second).toMatchObject({ hit: 1, miss: 0 });
    expect(bits(second.d)).toEqual(bits(fresh(mlp, p2)));
  });

  it('a captured tensor or number that changed gives a new program; equal values reuse it', () => {
    let shift = tensor([0.5, -1, 2], { dtype: 'float64' });
    let temperature = 2;
    const model = (p: Mlp, xn: Tensor) => mlp(p, xn).add(shift).mul(temperature);
    const reference = () => fresh((p, xn) => mlp(p, xn).add(shift).mul(temperature));
    expect(diagonal(model).miss).toBe(1);
    shift = tensor([0.5, -1, 3], { dtype: 'float64' });
    const changedTensor = diagonal(model);
    expect(changedTensor).toMatchObject({ hit: 0, miss: 1 });
    expect(bits(changedTensor.d)).toEqual(bits(reference()));
    temperature = 3;
    const changedNumber = diagonal(model);
    expect(changedNumber).toMatchObject({ hit: 0, miss: 1 });
    expect(bits(changedNumber.d)).toEqual(bits(reference()));
    shift = tensor([0.5, -1, 3], { dtype: 'float64' }); // a new object, the same values
    const same = diagonal(model);
    expect(same).toMatchObject({ hit: 1, miss: 0 });
    expect(bits(same.d)).toEqual(bits(changedNumber.d));
  });

  it('a program whose captured tensor was disposed is made again, even when a new tensor has equal values', () => {
    let shift = tensor([0.5, -1, 2], { dtype: 'float64' });
    const model = (p: Mlp, xn: Tensor) => mlp(p, xn).add(shift);
    const first = diagonal(model);
    expect(first.miss).toBe(1);
    shift.dispose();
    shift = tensor([0.5, -1, 2], { dtype: 'float64' });
    const again = diagonal(model);
    expect(again).toMatchObject({ hit: 0, miss: 1 });
    expect(bits(again.d)).toEqual(bits(first.d));
  });

  it('another batch size or branch gives a new program', () => {
    let wide = false;
    const model = (p: Mlp, xn: Tensor) => (wide ? mlp(p, xn).mul(2) : mlp(p, xn));
    expect(diagonal(model).miss).toBe(1);
    const x6 = random.normal(random.key(24), [6, 5], { dtype: 'float64' });
    const other = diagonal(model, params, x6);
    expect(other).toMatchObject({ hit: 0, miss: 1 });
    expect(bits(other.d)).toEqual(bits(fresh(mlp, params, x6)));
    wide = true;
    const branch = diagonal(model);
    expect(branch).toMatchObject({ hit: 0, miss: 1 });
    expect(bits(branch.d)).toEqual(bits(fresh((p, xn) => mlp(p, xn).mul(2))));
  });

  it('GGN output Hessians: one program per outer function and signature, the eager bits', () => {
    const y = random.categorical(random.key(25), random.normal(random.key(26), [10, 3]).mul(0));
    const outer = (z: Tensor, yy: Tensor) => lik.logProb(z, yy).neg();
    const v = mlpParams(27, 5, 4, 3);
    const run = (on: boolean, ps: Mlp) => {
      curvatureCompilation.enabled = on;
      const h = programReuse.hits, m = programReuse.misses;
      const r = bits(curvature.ggn({ inner: mlp, outer }, ps, { x, y }).matvec(v));
      curvatureCompilation.enabled = true;
      return { r, hit: programReuse.hits - h, miss: programReuse.misses - m };
    };
    expect(run(true, params)).toMatchObject({ hit: 0, miss: 1 });
    const p2 = mlpParams(28, 5, 4, 3);
    const again = run(true, p2);
    expect(again).toMatchObject({ hit: 1, miss: 0 });
    expect(again.r).toEqual(run(false, p2).r);
  });
});
