/**
 * Method sugar on `Tensor`: `x.add(y)`, `x.sum()`, … Each method calls the free function of
 * the same name, which is canonical. Importing this module (done by the package index)
 * attaches the methods; it is listed under `sideEffects` in package.json.
 * @module
 */
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import * as A from './arithmetic.js';
import * as L from './logic.js';
import * as R from './reductions.js';
import * as M from './manipulation.js';
import * as LA from './linalg.js';
import * as I from './indexing.js';
import * as N from './nn.js';
import * as C from './conv.js';
import type { TensorLike } from './convert.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** `add(this, y)` */ add(y: TensorLike): Tensor;
    /** `sub(this, y)` */ sub(y: TensorLike): Tensor;
    /** `mul(this, y)` */ mul(y: TensorLike): Tensor;
    /** `div(this, y)` */ div(y: TensorLike): Tensor;
    /** `pow(this, y)` */ pow(y: TensorLike): Tensor;
    /** `maximum(this, y)` */ maximum(y: TensorLike): Tensor;
    /** `minimum(this, y)` */ minimum(y: TensorLike): Tensor;
    /** `neg(this)` */ neg(): Tensor;
    /** `square(this)` */ square(): Tensor;
    /** `sqrt(this)` */ sqrt(): Tensor;
    /** `reciprocal(this)` */ reciprocal(): Tensor;
    /** `expm1(this)` */ expm1(): Tensor;
    /** `softplus(this)` */ softplus(): Tensor;
    /** `exp(this)` */ exp(): Tensor;
    /** `log(this)` */ log(): Tensor;
    /** `log1p(this)` */ log1p(): Tensor;
    /** `tanh(this)` */ tanh(): Tensor;
    /** `sigmoid(this)` */ sigmoid(): Tensor;
    /** `abs(this)` */ abs(): Tensor;
    /** `sin(this)` */ sin(): Tensor;
    /** `cos(this)` */ cos(): Tensor;
    /** `cast(this, dtype)` */ cast(dtype: DType): Tensor;
    /** `clip(this, lo, hi)` */ clip(lo: TensorLike, hi: TensorLike): Tensor;
    /** `sum(this, axis)` */ sum(axis?: R.AxisArg): Tensor;
    /** `mean(this, axis)` */ mean(axis?: R.AxisArg): Tensor;
    /** `max(this, axis)` */ max(axis?: R.AxisArg): Tensor;
    /** `min(this, axis)` */ min(axis?: R.AxisArg): Tensor;
    /** `argmax(this, axis)` */ argmax(axis?: R.AxisArg): Tensor;
    /** `logSumExp(this, axis)` */ logSumExp(axis?: R.AxisArg): Tensor;
    /** `reshape(this, shape)` */ reshape(shape: readonly number[]): Tensor;
    /** `transpose(this, perm)` */ transpose(perm?: readonly number[]): Tensor;
    /** Matrix transpose of the last two axes. */ readonly T: Tensor;
    /** `matmul(this, y)` */ matmul(y: TensorLike): Tensor;
    /** `dot(this, y)` */ dot(y: TensorLike): Tensor;
    /** `expandDims(this, axis)` */ expandDims(axis: number): Tensor;
    /** `squeeze(this, axis)` */ squeeze(axis?: number | readonly number[]): Tensor;
    /** `flatten(this)` */ flatten(): Tensor;
    /** `broadcastTo(this, shape)` */ broadcastTo(shape: readonly number[]): Tensor;
    /** `take(this, indices, axis)` */ take(indices: Tensor | readonly number[] | number, axis?: number): Tensor;
    /** `slice(this, starts, sizes)` */ slice(starts: readonly number[], sizes?: readonly number[]): Tensor;
    /** `softmax(this, axis)` */ softmax(axis?: R.AxisArg): Tensor;
    /** `logSoftmax(this, axis)` */ logSoftmax(axis?: R.AxisArg): Tensor;
    /** `conv(this, w, options)` */ conv(w: TensorLike, options?: C.ConvOptions): Tensor;
    /** `equal(this, y)` */ equal(y: TensorLike): Tensor;
    /** `greater(this, y)` */ greater(y: TensorLike): Tensor;
    /** `less(this, y)` */ less(y: TensorLike): Tensor;
  }
}

const P = Tensor.prototype as any;
P.add = function (y: TensorLike) { return A.add(this, y); };
P.sub = function (y: TensorLike) { return A.sub(this, y); };
P.mul = function (y: TensorLike) { return A.mul(this, y); };
P.div = function (y: TensorLike) { return A.div(this, y); };
P.pow = function (y: TensorLike) { return A.pow(this, y); };
P.maximum = function (y: TensorLike) { return A.maximum(this, y); };
P.minimum = function (y: TensorLike) { return A.minimum(this, y); };
P.neg = function () { return A.neg(this); };
P.square = function () { return A.square(this); };
P.sqrt = function () { return A.sqrt(this); };
P.reciprocal = function () { return A.reciprocal(this); };
P.expm1 = function () { return A.expm1(this); };
P.softplus = function () { return A.softplus(this); };
P.exp = function () { return A.exp(this); };
P.log = function () { return A.log(this); };
P.log1p = function () { return A.log1p(this); };
P.tanh = function () { return A.tanh(this); };
P.sigmoid = function () { return A.sigmoid(this); };
P.abs = function () { return A.abs(this); };
P.sin = function () { return A.sin(this); };
P.cos = function () { return A.cos(this); };
P.cast = function (d: DType) { return A.cast(this, d); };
P.clip = function (lo: TensorLike, hi: TensorLike) { return A.clip(this, lo, hi); };
P.sum = function (a?: R.AxisArg) { return R.sum(this, a); };
P.mean = function (a?: R.AxisArg) { return R.mean(this, a); };
P.max = function (a?: R.AxisArg) { return R.max(this, a); };
P.min = function (a?: R.AxisArg) { return R.min(this, a); };
P.argmax = function (a?: R.AxisArg) { return R.argmax(this, a); };
P.logSumExp = function (a?: R.AxisArg) { return R.logSumExp(this, a); };
P.reshape = function (s: readonly number[]) { return M.reshape(this, s); };
P.transpose = function (p?: readonly number[]) { return M.transpose(this, p); };
Object.defineProperty(P, 'T', { get(this: Tensor) { const n = this.ndim; return n < 2 ? this : M.transpose(this, [...this.shape.map((_, i) => i).slice(0, n - 2), n - 1, n - 2]); } });
P.matmul = function (y: TensorLike) { return LA.matmul(this, y); };
P.dot = function (y: TensorLike) { return LA.dot(this, y); };
P.expandDims = function (a: number) { return M.expandDims(this, a); };
P.squeeze = function (a?: number | readonly number[]) { return M.squeeze(this, a); };
P.flatten = function () { return M.flatten(this); };
P.broadcastTo = function (s: readonly number[]) { return M.broadcastTo(this, s); };
P.take = function (i: Tensor | readonly number[] | number, a?: number) { return I.take(this, i, a); };
P.slice = function (s: readonly number[], z?: readonly number[]) { return M.slice(this, s, z); };
P.softmax = function (a?: R.AxisArg) { return N.softmax(this, a); };
P.logSoftmax = function (a?: R.AxisArg) { return N.logSoftmax(this, a); };
P.conv = function (w: TensorLike, o?: C.ConvOptions) { return C.conv(this, w, o); };
P.equal = function (y: TensorLike) { return L.equal(this, y); };
P.greater = function (y: TensorLike) { return L.greater(this, y); };
P.less = function (y: TensorLike) { return L.less(this, y); };
