/**
 * Monomorphic loops of the reference elementwise kernels: one loop per op, each computing
 * exactly the expression of that op in `scalar-ops.ts` (so results are bit-identical to calling
 * the `UNARY`/`BINARY` functions per element).
 *
 * Why: a loop that calls `UNARY[op]` per element calls a different function for every op, so V8
 * can neither inline it nor keep the element unboxed (measured ~2× slower for `exp` on a few
 * hundred floats); and a function holding many loops behind `if` chains (the old `+ − × ÷`
 * fast path) optimizes poorly (measured ~3× slower than the same loop alone). Each switch
 * below lives in a small function of its own, and every loop body is a plain expression.
 * @module
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { UNARY } from './scalar-ops.js';

type Buf = TypedArray;

const logistic = UNARY.logistic;
const softplus = UNARY.softplus;

/** @internal `res[i] = UNARY[op](x[i])` for every element of `res`. */
export function unaryLoop(op: UnaryOp, x: Buf, res: Buf): void {
  const n = res.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) res[i] = -x[i]!; return;
    case 'exp': for (let i = 0; i < n; i++) res[i] = Math.exp(x[i]!); return;
    case 'log': for (let i = 0; i < n; i++) res[i] = Math.log(x[i]!); return;
    case 'log1p': for (let i = 0; i < n; i++) res[i] = Math.log1p(x[i]!); return;
    case 'expm1': for (let i = 0; i < n; i++) res[i] = Math.expm1(x[i]!); return;
    case 'tanh': for (let i = 0; i < n; i++) res[i] = Math.tanh(x[i]!); return;
    case 'logistic': for (let i = 0; i < n; i++) res[i] = logistic(x[i]!); return;
    case 'softplus': for (let i = 0; i < n; i++) res[i] = softplus(x[i]!); return;
    case 'sqrt': for (let i = 0; i < n; i++) res[i] = Math.sqrt(x[i]!); return;
    case 'abs': for (let i = 0; i < n; i++) res[i] = Math.abs(x[i]!); return;
    case 'sign': for (let i = 0; i < n; i++) { const v = x[i]!; res[i] = v > 0 ? 1 : v < 0 ? -1 : v; } return;
    case 'sin': for (let i = 0; i < n; i++) res[i] = Math.sin(x[i]!); return;
    case 'cos': for (let i = 0; i < n; i++) res[i] = Math.cos(x[i]!); return;
    case 'floor': for (let i = 0; i < n; i++) res[i] = Math.floor(x[i]!); return;
    case 'not': for (let i = 0; i < n; i++) res[i] = x[i] ? 0 : 1; return;
  }
}

/**
 * @internal `res[i] = BINARY[op](x[i], y[i])` for same-shape operands; false (nothing written)
 * for `pow`, which keeps the per-element call.
 */
export function binarySame(op: BinaryOp, x: Buf, y: Buf, res: Buf): boolean {
  const n = res.length;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) res[i] = x[i]! + y[i]!; return true;
    case 'sub': for (let i = 0; i < n; i++) res[i] = x[i]! - y[i]!; return true;
    case 'mul': for (let i = 0; i < n; i++) res[i] = x[i]! * y[i]!; return true;
    case 'div': for (let i = 0; i < n; i++) res[i] = x[i]! / y[i]!; return true;
    case 'max': for (let i = 0; i < n; i++) { const a = x[i]!, b = y[i]!; res[i] = a !== a || b !== b ? NaN : a > b ? a : b; } return true;
    case 'min': for (let i = 0; i < n; i++) { const a = x[i]!, b = y[i]!; res[i] = a !== a || b !== b ? NaN : a < b ? a : b; } return true;
    case 'eq': for (let i = 0; i < n; i++) res[i] = x[i] === y[i] ? 1 : 0; return true;
    case 'ne': for (let i = 0; i < n; i++) res[i] = x[i] !== y[i] ? 1 : 0; return true;
    case 'lt': for (let i = 0; i < n; i++) res[i] = x[i]! < y[i]! ? 1 : 0; return true;
    case 'le': for (let i = 0; i < n; i++) res[i] = x[i]! <= y[i]! ? 1 : 0; return true;
    case 'gt': for (let i = 0; i < n; i++) res[i] = x[i]! > y[i]! ? 1 : 0; return true;
    case 'ge': for (let i = 0; i < n; i++) res[i] = x[i]! >= y[i]! ? 1 : 0; return true;
    case 'and': for (let i = 0; i < n; i++) res[i] = x[i] && y[i] ? 1 : 0; return true;
    case 'or': for (let i = 0; i < n; i++) res[i] = x[i] || y[i] ? 1 : 0; return true;
    default: return false;
  }
}

type Arith = 'add' | 'sub' | 'mul' | 'div';

/** @internal `res[i] = x[i] ∘ b` for `i` in `[from, to)`, for + − × ÷. */
export function arithScalarRight(op: Arith, x: Buf, b: number, res: Buf, from: number, to: number): void {
  switch (op) {
    case 'add': for (let i = from; i < to; i++) res[i] = x[i]! + b; return;
    case 'sub': for (let i = from; i < to; i++) res[i] = x[i]! - b; return;
    case 'mul': for (let i = from; i < to; i++) res[i] = x[i]! * b; return;
    case 'div': for (let i = from; i < to; i++) res[i] = x[i]! / b; return;
  }
}

/** @internal `res[i] = a ∘ y[i]` for `i` in `[from, to)`, for + − × ÷. */
export function arithScalarLeft(op: Arith, a: number, y: Buf, res: Buf, from: number, to: number): void {
  switch (op) {
    case 'add': for (let i = from; i < to; i++) res[i] = a + y[i]!; return;
    case 'sub': for (let i = from; i < to; i++) res[i] = a - y[i]!; return;
    case 'mul': for (let i = from; i < to; i++) res[i] = a * y[i]!; return;
    case 'div': for (let i = from; i < to; i++) res[i] = a / y[i]!; return;
  }
}

/** @internal `res[base + j] = big[base + j] ∘ vec[j]` for `j` in `[0, len)`, for + − × ÷. */
export function arithRowRight(op: Arith, big: Buf, vec: Buf, res: Buf, base: number, len: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) res[base + j] = big[base + j]! + vec[j]!; return;
    case 'sub': for (let j = 0; j < len; j++) res[base + j] = big[base + j]! - vec[j]!; return;
    case 'mul': for (let j = 0; j < len; j++) res[base + j] = big[base + j]! * vec[j]!; return;
    case 'div': for (let j = 0; j < len; j++) res[base + j] = big[base + j]! / vec[j]!; return;
  }
}

/** @internal `res[base + j] = vec[j] ∘ big[base + j]` for `j` in `[0, len)`, for + − × ÷. */
export function arithRowLeft(op: Arith, vec: Buf, big: Buf, res: Buf, base: number, len: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) res[base + j] = vec[j]! + big[base + j]!; return;
    case 'sub': for (let j = 0; j < len; j++) res[base + j] = vec[j]! - big[base + j]!; return;
    case 'mul': for (let j = 0; j < len; j++) res[base + j] = vec[j]! * big[base + j]!; return;
    case 'div': for (let j = 0; j < len; j++) res[base + j] = vec[j]! / big[base + j]!; return;
  }
}
