/**
 * curvax: exact curvature for machine-learning research, on a pure, JAX-style functional
 * autodiff core.
 *
 * ```ts
 * import { grad, vmap, jvp, tensor } from 'curvax';
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => x.matmul(w).sub(y).square().mean();
 * const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
 * ```
 * @module
 */
import './backend/js/index.js';
import './backend/wasm/adapter.js';
import './ops/methods.js';

export * from './errors.js';
export { Tensor, ConcreteTensor, type NestedArray } from './tensor/tensor.js';
export { Aval } from './tensor/aval.js';
export type { Shape } from './tensor/shape.js';
export { type DType, type TypedArray, isFloat, promoteTypes, setDefaultFloat, getDefaultFloat } from './tensor/dtype.js';
export { tensor, zeros, ones, full, arange, linspace, eye, zerosLike, onesLike, type TensorData, type TensorOptions } from './tensor/creation.js';
export type { TensorLike } from './ops/convert.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, square, reciprocal, exp, log, log1p, expm1, tanh, sigmoid, sqrt,
  sin, cos, abs, sign, floor, softplus, logSigmoid, relu, cast, stopGradient, clip,
} from './ops/arithmetic.js';
export { equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot, where, isFinite } from './ops/logic.js';
export { sum, mean, max, min, argmax, argmin, logSumExp, variance, std, type ReduceOptions, type AxisArg } from './ops/reductions.js';
export { reshape, transpose, moveAxis, expandDims, squeeze, flatten, broadcastTo, concat, stack, slice } from './ops/manipulation.js';
export { matmul, dot, outer, dotGeneral, type DotGeneralDims } from './ops/linalg.js';
export { take, oneHot } from './ops/indexing.js';
export { softmax, logSoftmax } from './ops/nn.js';
export { conv, convTranspose, type ConvOptions, type ConvTransposeOptions, type ConvPadding } from './ops/conv.js';
export { maxPool, avgPool, type PoolOptions } from './ops/pool.js';
export { layerNorm, type LayerNormOptions } from './ops/norm.js';
export { grad, valueAndGrad, vjp, type GradOptions } from './transforms/grad.js';
export { jvp, linearize, linearTranspose } from './transforms/jvp.js';
export { vmap, type VmapOptions, type AxisSpec } from './transforms/vmap.js';
export { jacfwd, jacrev, hessian, type JacobianOptions } from './transforms/jacobian.js';
export { makeJaxpr, evalJaxpr, StagedFunction } from './transforms/make-jaxpr.js';
export { jit, type JitOptions, type JittedFunction } from './transforms/jit.js';
export { Jaxpr, Var, type Eqn } from './core/jaxpr.js';
export type { Primitive, BDim } from './core/primitive.js';
export { Zero, UndefPrimal, type Tangent } from './core/zero.js';
export { customJvp, customVjp, type Outs } from './transforms/custom.js';
export { scope, keep } from './core/scope.js';
export type { TensorTree } from './transforms/common.js';
export * as tree from './tree/index.js';
export * as random from './random/index.js';
export * as linalg from './linalg/index.js';
export * as optim from './optim/index.js';
export * as curvature from './curvature/index.js';
export * as likelihoods from './likelihoods/index.js';
export { setBackend, backendName, type SetBackendOptions } from './backend/select.js';
export { startWasmThreads, stopWasmThreads, enableWasmRelaxedSimd } from './backend/wasm/adapter.js';
export { initGpujs, disposeGpujs, type GpujsOptions, type GpujsBackendHandle, type GpujsMode, type GpujsStats } from './backend/gpujs/index.js';
export { getBackend, registerBackend, type Backend, type Kernels, type UnaryOp, type BinaryOp, type ReduceOp, type DotDims } from './backend/backend.js';
