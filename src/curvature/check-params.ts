/**
 * Up-front validation of the parameter tree a curvature builder differentiates, so a bad leaf is
 * reported under the builder's name with its path (`fisher: params at .w is a JS array …`), not as
 * an error of some op inside the user's model.
 * @module
 */
import { at, checkTensorTree, leafPaths, requireFloatLeaves } from '../transforms/common.js';

/**
 * @internal Requires `params` to be a pytree of floating-point tensors.
 * @example
 * ```ts
 * checkParams('fisher', { w: tensor([1, 2]) }); // passes
 * checkParams('fisher', { w: [1, 2] });         // TransformError naming fisher, params and .w
 * ```
 */
export function checkParams(op: string, params: unknown): void {
  const [leaves] = checkTensorTree(op, params, 'params');
  requireFloatLeaves(op, leaves, 'params', (i) => at('params', leafPaths(op, params)[i]!));
}
