/**
 * Per-element semantics of the reference kernels, shared by the one-op loops (`index.ts`) and
 * the fused elementwise kernels (`fused.ts`) so both compute bit-identical values.
 * @module
 */
import type { BinaryOp, UnaryOp } from '../backend.js';

/** @internal Unary kernels, one element at a time (the result is then stored in the output dtype). */
export const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  tanh: Math.tanh,
  logistic: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  softplus: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  not: (x) => (x ? 0 : 1),
};

/** @internal Binary kernels, one element at a time. */
export const BINARY: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  max: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  min: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  and: (x, y) => (x && y ? 1 : 0),
  or: (x, y) => (x || y ? 1 : 0),
};

/** @internal int32 division: truncates; division by zero gives 0. */
export function intDiv(x: number, y: number): number {
  return y === 0 ? 0 : Math.trunc(x / y);
}
