/**
 * Fuzz suite over the PRNG, a sample of curvature builders and a sample of optimizers, with the
 * same property as the op suite: a CurvaxError naming the function, or a well-formed result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curvature, likelihoods, linalg, optim, random, tensor, tree, type Tensor } from '../../src/index.js';
import { newTally, runCase } from './harness.js';
import { treeArg } from './trees.js';
import { axisArg, numberArg, shapeArg, sizeArg, tensorArg, tensorOf, type Arg } from './values.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 1313);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);

/** A PRNG key, or a tensor/value that is not one. */
const keyArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1000 }).map((s) => ({ value: random.key(s), valid: true, label: `key(${s})` })) },
  // any int32 tensor of shape [2] is a key (raw uint32 words, as in JAX); everything else is not
  { weight: 1, arbitrary: tensorArg.map((a) => ({ ...a, valid: isKey(a.value), label: `key ${a.label}` })) },
);
function isKey(v: unknown): boolean {
  const t = v as Tensor;
  return typeof v === 'object' && v !== null && 'dtype' in v && t.dtype === 'int32' && t.shape.length === 1 && t.shape[0] === 2 && !(t as { isDisposed?: boolean }).isDisposed;
}

const seedArg: fc.Arbitrary<Arg> = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 40 }).map((s) => ({ value: s, valid: true, label: `seed ${s}` })),
  fc.constantFrom(0.5, NaN, Infinity, '1', null).map((s) => ({ value: s, valid: false, label: `seed ${String(s)}` })),
);

interface Row { readonly args: readonly fc.Arbitrary<Arg>[]; readonly call: (...v: any[]) => unknown }

const RANDOM: Record<string, Row> = {
  'random.key': { args: [seedArg], call: (s) => random.key(s) },
  'random.split': { args: [keyArg, sizeArg], call: (k, n) => random.split(k, n) },
  'random.splitList': { args: [keyArg, sizeArg], call: (k, n) => random.splitList(k, n) },
  // fold_in takes any 32-bit integer, negative ones included
  'random.foldIn': { args: [keyArg, sizeArg.map((a) => (Number.isInteger(a.value) && Math.abs(a.value as number) < 2 ** 31 ? { ...a, valid: true } : a))], call: (k, n) => random.foldIn(k, n) },
  'random.uniform': { args: [keyArg, shapeArg], call: (k, s) => random.uniform(k, s) },
  'random.normal': { args: [keyArg, shapeArg], call: (k, s) => random.normal(k, s) },
  'random.bernoulli': { args: [keyArg, numberArg, shapeArg], call: (k, p, s) => random.bernoulli(k, p, s) },
  'random.categorical': { args: [keyArg, tensorArg, axisArg], call: (k, l, a) => random.categorical(k, l, a) },
  'random.permutation': { args: [keyArg, sizeArg], call: (k, n) => random.permutation(k, n) },
};

function fuzzRows(rows: Record<string, Row>): void {
  for (const [name, row] of Object.entries(rows)) {
    it(`${name}: a typed error naming it, or a well-formed result`, () => {
      const tally = newTally();
      fc.assert(
        fc.property(fc.tuple(...(row.args as [fc.Arbitrary<Arg>])), (args: Arg[]) => {
          runCase(name, args, () => row.call(...args.map((a) => a.value)), tally);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(tally.typed).toBeGreaterThan(0);
      expect(tally.ok).toBeGreaterThan(0);
    });
  }
}

describe('fuzz: random', () => fuzzRows(RANDOM));

/** Square float matrices (the valid case), plus every other tensor argument. */
const matrixArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).chain((n) => tensorOf([n, n], 'float64')).map((t) => ({ value: t, valid: true, label: t.aval.toString() })) },
  { weight: 2, arbitrary: tensorArg },
);

/**
 * Tensor linear algebra: errors may carry the name of the factorization that detected the
 * problem (inv/solve/logdet report 'cholesky'), so only zero generic errors is required here.
 */
describe('fuzz: linalg tensor ops (no generic errors)', () => {
  const rows: Record<string, Row> = {
    'linalg.choleskyTensor': { args: [matrixArg], call: (a) => linalg.choleskyTensor(a) },
    'linalg.inv': { args: [matrixArg], call: (a) => linalg.inv(a) },
    'linalg.logdet': { args: [matrixArg], call: (a) => linalg.logdet(a) },
    'linalg.solve': { args: [matrixArg, tensorArg], call: (a, b) => linalg.solve(a, b) },
    'linalg.choSolve': { args: [matrixArg, tensorArg], call: (a, b) => linalg.choSolve(a, b) },
  };
  for (const [name, row] of Object.entries(rows)) {
    it(`${name}: a typed error or a well-formed result`, () => {
      const tally = newTally();
      fc.assert(
        fc.property(fc.tuple(...(row.args as [fc.Arbitrary<Arg>])), (args: Arg[]) => {
          // validity is the linalg module's to define: every argument counts as acceptable, any typed error passes
          runCase(name, args.map((a) => ({ ...a, valid: true })), () => row.call(...args.map((a) => a.value)), tally, undefined, []);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(tally.typed).toBeGreaterThan(0);
    });
  }
});

/** A linear model over a parameter tree: Σ_leaves x · mean(leaf) (works for any valid tree). */
const model = (p: unknown, x: Tensor): Tensor => (tree.leaves(p as never) as Tensor[]).map((l) => x.sum().mul(l.mean().cast('float64'))).reduce((a, b) => a.add(b), x.sum().mul(0));
const X = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' });
const Y = tensor([0.5, -1, 2], { dtype: 'float64' });
const lossFn = (p: unknown, x: Tensor, y: Tensor): Tensor => model(p, x).sub(y).square();

const validTree = treeArg.filter((t) => t.valid);
const strict = (name: string, names: readonly string[], run: (p: unknown) => unknown) => () => {
  fc.assert(
    fc.property(treeArg, (p) => {
      runCase(name, [{ value: p.value, valid: p.valid, label: p.label }], () => run(p.value), newTally(), undefined, names);
    }),
    { seed: SEED, numRuns: RUNS },
  );
};
const works = (name: string, run: (p: unknown) => unknown) => () => {
  const tally = newTally();
  fc.assert(
    fc.property(validTree, (p) => {
      runCase(name, [{ value: p.value, valid: true, label: p.label }], () => run(p.value), tally, undefined, []);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  expect(tally.ok).toBe(RUNS);
};

/**
 * Optimizers and curvature builders check their parameter trees up front (`chain`'s init/update
 * and every builder call `checkTensorTree`), so a bad leaf is reported under their own names with
 * its path, never as an error of an op inside the user's model. On valid trees (float32/float64
 * leaves, scalars, empty axes) they must work.
 */
describe('fuzz: optimizers and curvature builders (sample)', () => {
  const sgd = (p: unknown) => { const o = optim.sgd({ learningRate: 0.1 }); const [u] = o.update(p as never, o.init(p as never), p as never); return optim.applyUpdates(p as never, u); };
  const adam = (p: unknown) => { const o = optim.adam({ learningRate: 0.1 }); const [u] = o.update(p as never, o.init(p as never), p as never); return optim.applyUpdates(p as never, u); };
  const fisher = (p: unknown) => curvature.fisher({ model: model as never, likelihood: likelihoods.normal() }, p as never, { x: X, y: Y }).matvec(p as never);
  const hess = (p: unknown) => curvature.hessianOperator(lossFn as never, p as never, { x: X, y: Y }).matvec(p as never);
  it('sgd: a bad parameter leaf is reported under the optimizer\'s init/update', strict('sgd', ['sgd', 'init', 'update', 'applyUpdates'], sgd));
  it('adam: a bad parameter leaf is reported under the optimizer\'s init/update', strict('adam', ['adam', 'init', 'update', 'applyUpdates'], adam));
  it('fisher: a bad parameter leaf is reported under the builder\'s name', strict('fisher', ['fisher'], fisher));
  it('hessianOperator: a bad parameter leaf is reported under the builder\'s name', strict('hessianOperator', ['hessianOperator'], hess));
  it('sgd works on valid parameter trees', works('sgd', sgd));
  it('adam works on valid parameter trees', works('adam', adam));
  it('fisher works on valid parameter trees', works('fisher', fisher));
  it('hessianOperator works on valid parameter trees', works('hessianOperator', hess));
});

