/**
 * The `tree` namespace: pytree utilities and tree math.
 * @module
 */
export { flatten, unflatten, leaves, structure, map, TreeDef, MAX_TREE_DEPTH, type Tree } from './tree.js';
export { add, sub, scale, vdot, norm, zerosLike } from './math.js';
export { ravel } from './ravel.js';
