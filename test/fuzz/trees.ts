/**
 * Pytree generators for the transformation fuzz: trees whose leaves are good float tensors,
 * or hide one bad leaf (a JS array of numbers, a typed array, a string, a boolean, a Map, an
 * int tensor, a disposed tensor) at some path; plus circular and very deep trees.
 */
import fc from 'fast-check';
import type { Tensor } from '../../src/index.js';
import { goodShape, tensorOf } from './values.js';

/** A generated pytree and whether every leaf is a live float tensor or a JS number. */
export interface TreeArg {
  readonly value: unknown;
  readonly valid: boolean;
  readonly label: string;
  /** The float tensor leaves, in flatten order, when valid. */
  readonly leaves: readonly Tensor[];
}

const floatTensor = goodShape.chain((s) => fc.constantFrom('float32' as const, 'float64' as const).chain((d) => tensorOf(s, d)));

const badLeaf: fc.Arbitrary<[unknown, string]> = fc.oneof(
  fc.constant<[unknown, string]>([[1, 2, 3], 'JS array of numbers']),
  fc.constant<[unknown, string]>([new Float64Array(2), 'Float64Array']),
  fc.constant<[unknown, string]>(['w', 'string']),
  fc.constant<[unknown, string]>([true, 'boolean']),
  fc.constant<[unknown, string]>([new Map(), 'Map']),
  goodShape.chain((s) => tensorOf(s, 'int32')).map((t): [unknown, string] => [t, `int tensor ${t.aval.toString()}`]),
  floatTensor.map((t): [unknown, string] => {
    t.dispose();
    return [t, `disposed ${t.aval.toString()}`];
  }),
);

/** Builds a tree from float leaves: a leaf, a list, or an object, nested once or twice. */
function shapeTree(leaves: readonly unknown[], kind: number): unknown {
  if (kind === 0 && leaves.length === 1) return leaves[0];
  if (kind === 1) return [...leaves];
  const o: Record<string, unknown> = {};
  leaves.forEach((l, i) => { o[`k${i}`] = kind === 2 ? l : { inner: [l] }; });
  return o;
}

/** A pytree argument: mostly valid, sometimes with one bad leaf, sometimes circular or too deep. */
export const treeArg: fc.Arbitrary<TreeArg> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.array(floatTensor, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 3 })).map(([ls, k]) => ({ value: shapeTree(ls, k), valid: true, label: `tree(${ls.map((l) => l.aval.toString())}, ${k})`, leaves: ls })) },
  { weight: 3, arbitrary: fc.tuple(fc.array(floatTensor, { maxLength: 2 }), badLeaf, fc.integer({ min: 1, max: 3 })).map(([ls, [b, what], k]) => ({ value: shapeTree([...ls, b], k), valid: false, label: `tree with ${what}`, leaves: [] })) },
  {
    weight: 1, arbitrary: floatTensor.map((t) => {
      const o: Record<string, unknown> = { w: t };
      o['self'] = o;
      return { value: o, valid: false, label: 'circular tree', leaves: [] };
    }),
  },
  {
    weight: 1, arbitrary: floatTensor.map((t) => {
      let v: unknown = t;
      for (let i = 0; i < 5000; i++) v = [v];
      return { value: v, valid: false, label: 'tree 5000 deep', leaves: [] };
    }),
  },
);
