/**
 * Fused elementwise kernels for typed-array backends (`js`, `wasm`): one generated loop per
 * {@link FusedProgram}.
 *
 * A program is compiled with `new Function` into a single loop over the output that computes
 * every op of the program per element in local variables (no intermediate arrays) and writes
 * only the program's outputs. Each op computes exactly what the one-op kernel computes
 * (`scalar-ops.ts`) and then rounds to its dtype exactly where the one-op kernel's store into a
 * typed array would (`Math.fround` for float32, `| 0` for int32, `& 255` for bool), so fused
 * and unfused results are bit-identical.
 *
 * Broadcasting: inputs whose size equals the output's are read at the output index; size-1
 * inputs are read once before the loop; rows (a trailing block of the output, e.g. a bias) and
 * columns (a leading block followed by size-1 axes, e.g. `[m, 1]`) of one column count make a
 * rows × columns loop (columns read once per row, rows at the column index); the rest are read
 * through NumPy broadcast strides, coalesced (`strided.ts`), with an odometer over the outer
 * axes and a plain inner loop.
 * The contiguous loop computes `LANES` (4) elements per iteration, so the CPU overlaps their
 * independent dependency chains. Programs longer than `SEGMENT_OPS` (48) ops are split into
 * several loops (V8 optimizes very large function bodies poorly); a value read by a later
 * segment lives in its output array or in a float64 scratch array (lossless for every dtype),
 * so only segment boundaries touch memory. Compiled kernels are cached per program object and,
 * across programs, by the program's text plus the broadcast pattern.
 * @module
 */
import type { FusedOp, FusedProgram } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type DType, type TypedArray } from '../../tensor/dtype.js';
import { stridesOf } from '../../tensor/shape.js';
import { blockKind, broadcastStrides, coalesce } from './strided.js';
import { UNARY } from './scalar-ops.js';

/**
 * Input access classes: `f` read at the output index, `s` size-1 (hoisted), `r` a row (the
 * trailing block of the output, read at the column index), `c` a column (the leading block,
 * one value per row, hoisted per row), `g` general strides.
 */
type Access = 'f' | 's' | 'r' | 'c' | 'g';

interface Helpers {
  readonly logistic: (x: number) => number;
  readonly softplus: (x: number) => number;
}
const HELPERS: Helpers = { logistic: UNARY.logistic, softplus: UNARY.softplus };

/** Bound on the text-keyed cache (oldest entries are dropped first). */
const MAX_CACHED = 512;
const byText = new Map<string, Compiled>();
const byProgram = new WeakMap<FusedProgram, Map<string, Compiled>>();
let compiledCount = 0;

/** @internal Number of kernels compiled so far (tests and benchmarks). */
export function fusedKernelsCompiled(): number {
  return compiledCount;
}

function literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '(-0)';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  return v < 0 ? `(${String(v)})` : String(v);
}

/** Ops whose result is already a value of their dtype (no rounding store needed). */
function exactResult(op: FusedOp): boolean {
  switch (op.op) {
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge': case 'and': case 'or': case 'not':
      return true; // 0 or 1
    case 'select': case 'copy':
      return true; // operands already hold values of the result dtype
    case 'cast':
      return op.dtype === 'bool' || op.dtype === 'float64';
    default:
      return op.dtype === 'float64';
  }
}

function round(dtype: DType, e: string): string {
  switch (dtype) {
    case 'float32': return `Math.fround(${e})`;
    case 'float64': return e;
    case 'int32': return `((${e}) | 0)`;
    case 'bool': return `((${e}) & 255)`;
  }
}

/** The expression of one op over operand names `a`, `b`, `c` (each a variable or a literal). */
function expr(op: FusedOp, a: string, b: string, c: string): string {
  switch (op.op) {
    case 'neg': return `-${a}`;
    case 'exp': case 'log': case 'log1p': case 'expm1': case 'tanh': case 'sqrt': case 'abs': case 'sin': case 'cos': case 'floor':
      return `Math.${op.op}(${a})`;
    case 'logistic': return `H.logistic(${a})`;
    case 'softplus': return `H.softplus(${a})`;
    case 'sign': return `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`;
    case 'not': return `(${a} ? 0 : 1)`;
    case 'add': return `${a} + ${b}`;
    case 'sub': return `${a} - ${b}`;
    case 'mul': return `${a} * ${b}`;
    case 'div': return op.dtype === 'int32' ? `(${b} === 0 ? 0 : Math.trunc(${a} / ${b}))` : `${a} / ${b}`;
    case 'pow': return `Math.pow(${a}, ${b})`;
    case 'max': return `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`;
    case 'min': return `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`;
    case 'eq': return `(${a} === ${b} ? 1 : 0)`;
    case 'ne': return `(${a} !== ${b} ? 1 : 0)`;
    case 'lt': return `(${a} < ${b} ? 1 : 0)`;
    case 'le': return `(${a} <= ${b} ? 1 : 0)`;
    case 'gt': return `(${a} > ${b} ? 1 : 0)`;
    case 'ge': return `(${a} >= ${b} ? 1 : 0)`;
    case 'and': return `(${a} && ${b} ? 1 : 0)`;
    case 'or': return `(${a} || ${b} ? 1 : 0)`;
    case 'select': return `(${a} ? ${b} : ${c})`;
    case 'copy': return a;
    case 'cast':
      switch (op.dtype) {
        case 'bool': return `(${a} ? 1 : 0)`;
        case 'int32': return `Math.trunc(${a})`;
        default: return a;
      }
  }
}

/** Ops per generated function: longer programs are split into segments (V8 optimizes huge bodies poorly). */
const SEGMENT_OPS = 48;
/** Output elements computed per iteration of the contiguous loop (independent chains for the CPU to overlap). */
const LANES = 4;

/** Where a segment finds a value computed by an earlier segment. */
type Home = { readonly kind: 'out'; readonly index: number } | { readonly kind: 'scratch'; readonly index: number };

/** One generated loop: a slice of the program's ops. */
interface Segment {
  readonly source: string;
  readonly fn: SegmentFn;
}
type SegmentFn = (xs: readonly TypedArray[], outs: TypedArray[], scratch: Float64Array[], n: number, shape: readonly number[], strides: readonly (readonly number[])[], H: Helpers) => void;

/** A compiled program: its segments in order and the number of scratch arrays they share. */
interface Compiled {
  readonly segments: readonly Segment[];
  readonly scratch: number;
}

/** @internal Splits a program into segments and generates each one's source (exported for tests). */
export function fusedSources(p: FusedProgram, access: readonly Access[], general: boolean): { sources: string[]; scratch: number } {
  const nIn = p.inputs.length, nLit = p.literals.length, base = nIn + nLit, nOps = p.ops.length;
  const segOf = (k: number): number => Math.floor(k / SEGMENT_OPS);
  const nSeg = Math.max(1, Math.ceil(nOps / SEGMENT_OPS));
  // Last segment reading each op value (outputs need no scratch: they live in the output arrays).
  const lastUse = new Int32Array(nOps).fill(-1);
  p.ops.forEach((op, k) => { for (const r of op.args) if (r >= base) lastUse[r - base] = Math.max(lastUse[r - base]!, segOf(k)); });
  const outIndex = new Map<number, number>();
  p.outputs.forEach((r, j) => outIndex.set(r - base, j));
  // Values read by a later segment than their own get a home: their output array, or a scratch
  // slot (reused once the last segment reading it has run).
  const home = new Map<number, Home>();
  const free: number[] = [];
  let scratch = 0;
  const releases: number[][] = Array.from({ length: nSeg + 1 }, () => []);
  for (let s = 0; s < nSeg; s++) {
    for (const slot of releases[s]!) free.push(slot); // slots whose last reader ended before segment s
    for (let k = s * SEGMENT_OPS; k < Math.min(nOps, (s + 1) * SEGMENT_OPS); k++) {
      if (lastUse[k]! <= s) continue;
      const j = outIndex.get(k);
      if (j !== undefined) { home.set(k, { kind: 'out', index: j }); continue; }
      const slot = free.length > 0 ? free.pop()! : scratch++;
      home.set(k, { kind: 'scratch', index: slot });
      releases[lastUse[k]! + 1]!.push(slot);
    }
  }
  const sources: string[] = [];
  for (let s = 0; s < nSeg; s++) sources.push(segmentSource(p, access, general, s * SEGMENT_OPS, Math.min(nOps, (s + 1) * SEGMENT_OPS), home, outIndex));
  return { sources, scratch };
}

function segmentSource(p: FusedProgram, access: readonly Access[], general: boolean, k0: number, k1: number, home: ReadonlyMap<number, Home>, outIndex: ReadonlyMap<number, number>): string {
  const nIn = p.inputs.length, nLit = p.literals.length, base = nIn + nLit;
  // What this segment reads: inputs and earlier segments' values.
  const usedIn = new Set<number>(), liveIn = new Set<number>();
  for (let k = k0; k < k1; k++) {
    for (const r of p.ops[k]!.args) {
      if (r < nIn) usedIn.add(r);
      else if (r >= base && r - base < k0) liveIn.add(r - base);
    }
  }
  const pre: string[] = ['"use strict";'];
  const strided: number[] = [];
  for (const i of [...usedIn].sort((a, b) => a - b)) {
    if (access[i] === 's') pre.push(`const v${i} = xs[${i}][0];`);
    else {
      pre.push(`const x${i} = xs[${i}];`);
      if (access[i] === 'g') strided.push(i);
    }
  }
  const homeName = (h: Home): string => (h.kind === 'out' ? `o${h.index}` : `s${h.index}`);
  const arrays = new Set<string>();
  for (const k of liveIn) arrays.add(homeName(home.get(k)!));
  const stores: [number, string][] = [];
  for (let k = k0; k < k1; k++) {
    const j = outIndex.get(k);
    if (j !== undefined) stores.push([k, `o${j}`]);
    else if (home.has(k)) stores.push([k, homeName(home.get(k)!)]);
  }
  for (const [, a] of stores) arrays.add(a);
  for (const a of [...arrays].sort()) pre.push(a[0] === 'o' ? `const ${a} = outs[${a.slice(1)}];` : `const ${a} = scratch[${a.slice(1)}];`);

  /** The body computing one element at index expression `at` (lane suffix `u`). */
  const body = (u: string, at: string, stridedAt: (i: number) => string, colAt = ''): string[] => {
    const name = (r: number): string => {
      if (r < nIn) return access[r] === 's' ? `v${r}` : access[r] === 'c' ? `w${r}` : `v${r}${u}`;
      if (r < base) return literal(p.literals[r - nIn]!.value);
      return `t${r - base}${u}`;
    };
    const lines: string[] = [];
    for (const i of [...usedIn].sort((a, b) => a - b)) {
      if (access[i] === 'f') lines.push(`const v${i}${u} = x${i}[${at}];`);
      else if (access[i] === 'g') lines.push(`const v${i}${u} = x${i}[${stridedAt(i)}];`);
      else if (access[i] === 'r') lines.push(`const v${i}${u} = x${i}[${colAt}];`);
    }
    for (const k of [...liveIn].sort((a, b) => a - b)) lines.push(`const t${k}${u} = ${homeName(home.get(k)!)}[${at}];`);
    for (let k = k0; k < k1; k++) {
      const op = p.ops[k]!;
      const [a = '', b = '', c = ''] = op.args.map(name);
      const e = expr(op, a, b, c);
      lines.push(`const t${k}${u} = ${exactResult(op) ? e : round(op.dtype, e)};`);
    }
    for (const [k, arr] of stores) lines.push(`${arr}[${at}] = t${k}${u};`);
    return lines;
  };

  const used = [...usedIn].sort((a, b) => a - b);
  if (!general && used.some((i) => access[i] === 'r' || access[i] === 'c')) {
    // Rows × columns (`shape` is [rows, cols]): columns hoisted per row, rows read at the column index.
    const lanes: string[] = [];
    for (let u = 0; u < LANES; u++) lanes.push(...body(`_${u}`, u === 0 ? 'o' : `o + ${u}`, () => '', u === 0 ? 'k' : `k + ${u}`));
    return [
      ...pre,
      'const rows = shape[0], cols = shape[1];',
      'let o = 0;',
      'for (let q = 0; q < rows; q++) {',
      ...used.filter((i) => access[i] === 'c').map((i) => `  const w${i} = x${i}[q];`),
      '  let k = 0;',
      `  for (; k + ${LANES} <= cols; k += ${LANES}, o += ${LANES}) {`,
      ...lanes.map((l) => `    ${l}`),
      '  }',
      '  for (; k < cols; k++, o++) {',
      ...body('', 'o', () => '', 'k').map((l) => `    ${l}`),
      '  }',
      '}',
    ].join('\n');
  }
  if (!general) {
    const lanes: string[] = [];
    for (let u = 0; u < LANES; u++) lanes.push(...body(`_${u}`, u === 0 ? 'o' : `o + ${u}`, () => ''));
    return [
      ...pre,
      'let o = 0;',
      `for (; o + ${LANES} <= n; o += ${LANES}) {`,
      ...lanes.map((l) => `  ${l}`),
      '}',
      'for (; o < n; o++) {',
      ...body('', 'o', () => '').map((l) => `  ${l}`),
      '}',
    ].join('\n');
  }
  // Odometer over the outer axes of the coalesced shape; strides[s] are the strided inputs' strides.
  const g = strided.map((i) => ({ i, s: [...access.keys()].filter((q) => access[q] === 'g').indexOf(i) }));
  return [
    ...pre,
    'const rank = shape.length, last = rank - 1, inner = shape[last];',
    'const idx = new Int32Array(rank);',
    ...g.map(({ i, s }) => `const st${i} = strides[${s}], is${i} = st${i}[last]; let a${i} = 0;`),
    'let o = 0;',
    'for (;;) {',
    '  for (let k = 0; k < inner; k++, o++) {',
    ...body('', 'o', (i) => `a${i} + k * is${i}`).map((l) => `    ${l}`),
    '  }',
    '  let d = last - 1;',
    '  for (; d >= 0; d--) {',
    `    idx[d]++;${g.map(({ i }) => ` a${i} += st${i}[d];`).join('')}`,
    '    if (idx[d] < shape[d]) break;',
    `    ${g.map(({ i }) => `a${i} -= st${i}[d] * shape[d]; `).join('')}idx[d] = 0;`,
    '  }',
    '  if (d < 0) break;',
    '}',
  ].join('\n');
}

function compile(p: FusedProgram, access: readonly Access[], general: boolean): Compiled {
  const { sources, scratch } = fusedSources(p, access, general);
  const segments = sources.map((source) => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function('xs', 'outs', 'scratch', 'n', 'shape', 'strides', 'H', source) as SegmentFn;
    return { source, fn };
  });
  compiledCount++;
  return { segments, scratch };
}

function run(c: Compiled, xs: readonly TypedArray[], outs: TypedArray[], n: number, shape: readonly number[], strides: readonly (readonly number[])[]): void {
  const segs = c.segments;
  if (c.scratch === 0 && segs.length === 1) { segs[0]!.fn(xs, outs, NO_SCRATCH, n, shape, strides, HELPERS); return; }
  const scratch: Float64Array[] = [];
  for (let i = 0; i < c.scratch; i++) scratch.push(new Float64Array(n));
  for (let i = 0; i < segs.length; i++) segs[i]!.fn(xs, outs, scratch, n, shape, strides, HELPERS);
}

/** The scratch list of a program that needs none. */
const NO_SCRATCH: Float64Array[] = [];

function kernelFor(p: FusedProgram, pattern: string, access: readonly Access[], general: boolean): Compiled {
  let perProgram = byProgram.get(p);
  if (perProgram === undefined) byProgram.set(p, (perProgram = new Map()));
  let f = perProgram.get(pattern);
  if (f !== undefined) return f;
  const text = `${p.key}#${pattern}`;
  f = byText.get(text);
  if (f === undefined) {
    f = compile(p, access, general);
    if (byText.size >= MAX_CACHED) byText.delete(byText.keys().next().value!);
    byText.set(text, f);
  }
  perProgram.set(pattern, f);
  return f;
}

/**
 * @internal Runs `p` over typed-array inputs (broadcast to `outs[0].shape`) and returns fresh
 * typed-array outputs of the `outs` avals.
 */
export function fusedKernel(p: FusedProgram, xs: readonly TypedArray[], axs: readonly Aval[], outs: readonly Aval[]): TypedArray[] {
  const n = outs[0]!.size;
  const res = outs.map((a) => allocTyped(a.dtype, n));
  if (n === 0) return res;
  const { c, shape, strides } = resolve(p, axs, outs[0]!);
  run(c, xs, res, n, shape, strides);
  return res;
}

/**
 * The compiled loop of `p` for inputs `axs` broadcast to `out`, with the shape and strides it
 * runs over: contiguous (`f`/`s` inputs only), rows × columns (`r`/`c` inputs of one column
 * count), or the general odometer over the coalesced broadcast strides.
 */
function resolve(p: FusedProgram, axs: readonly Aval[], out: Aval): { c: Compiled; shape: readonly number[]; strides: readonly (readonly number[])[] } {
  const shape = out.shape, n = out.size;
  const access: Access[] = new Array(axs.length);
  let cols = 0, block = false, general = false;
  for (let i = 0; i < axs.length; i++) {
    const sz = axs[i]!.size;
    if (sz === n) { access[i] = 'f'; continue; }
    if (sz === 1) { access[i] = 's'; continue; }
    const kind = sz === 0 ? null : blockKind(axs[i]!.shape, shape);
    const c = kind === 'rows' ? sz : kind === 'cols' ? n / sz : 0;
    if (kind === null || (cols !== 0 && c !== cols)) general = true;
    else { cols = c; block = true; }
    access[i] = kind === 'rows' ? 'r' : 'c';
  }
  if (general) {
    for (let i = 0; i < access.length; i++) if (access[i] !== 'f' && access[i] !== 's') access[i] = 'g';
    // Coalesce the output (contiguous) and the strided inputs' broadcast strides together.
    const sets: number[][] = [stridesOf(shape)];
    for (let i = 0; i < axs.length; i++) if (access[i] === 'g') sets.push(broadcastStrides(axs[i]!.shape, shape));
    const [dims, coalesced] = coalesce(shape, sets);
    return { c: kernelFor(p, `${access.join('')}/g`, access, true), shape: dims, strides: coalesced.slice(1) };
  }
  if (block) return { c: kernelFor(p, `${access.join('')}/b`, access, false), shape: [n / cols, cols], strides: NO_STRIDES };
  return { c: kernelFor(p, access.join(''), access, false), shape, strides: NO_STRIDES };
}

/**
 * @internal {@link fusedKernel} resolved once for fixed avals: the compiled loop, the access
 * pattern and the coalesced broadcast strides are chosen here, so a call only allocates the
 * outputs and runs the loop (bit-identical to `fusedKernel`, which runs the same compiled code).
 */
export function planFusedKernel(p: FusedProgram, axs: readonly Aval[], outs: readonly Aval[]): (xs: readonly TypedArray[]) => TypedArray[] {
  const n = outs[0]!.size;
  const dtypes = outs.map((a) => a.dtype);
  const nOut = dtypes.length, d0 = dtypes[0]!;
  const alloc = nOut === 1
    ? (): TypedArray[] => [allocTyped(d0, n)]
    : (): TypedArray[] => { const res: TypedArray[] = new Array(nOut); for (let j = 0; j < nOut; j++) res[j] = allocTyped(dtypes[j]!, n); return res; };
  if (n === 0) return alloc;
  const { c, shape, strides } = resolve(p, axs, outs[0]!);
  return (xs) => { const res = alloc(); run(c, xs, res, n, shape, strides); return res; };
}

const NO_STRIDES: readonly (readonly number[])[] = [];
