/**
 * Readable text for tensors (`toString`, Node's `util.inspect`, fast-check counterexamples):
 * dtype and shape always, the values when the tensor is concrete and small.
 * @module
 */
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** Tensors with at most this many elements print all their values. */
export const PRINT_ALL_MAX = 20;
/** Larger tensors print this many leading values (flat order) and a count. */
const PRINT_HEAD = 6;

/** The shortest decimal that reads back as the same float32. */
function formatF32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function formatValue(v: number, dtype: DType): string {
  if (dtype === 'bool') return v !== 0 ? 'true' : 'false';
  if (dtype === 'float32') return Object.is(v, -0) ? '-0' : formatF32(v);
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * @internal The text of a tensor: `Tensor(f32[2,2] [[1, 2], [3, 4]])`; above {@link PRINT_ALL_MAX}
 * elements `Tensor(f32[100] [0, 1, 2, 3, 4, 5, … 94 more])`; without data (a tracer, a disposed
 * tensor) `Tensor(f32[2,2])` plus `note`.
 */
export function formatTensor(aval: string, shape: Shape, dtype: DType, data: TypedArray | undefined, note = ''): string {
  if (data === undefined) return `Tensor(${aval}${note ? ` ${note}` : ''})`;
  const n = data.length;
  if (n > PRINT_ALL_MAX) {
    const head = Array.from(data.subarray(0, PRINT_HEAD), (v) => formatValue(Number(v), dtype));
    return `Tensor(${aval} [${head.join(', ')}, … ${n - PRINT_HEAD} more])`;
  }
  if (shape.length === 0) return `Tensor(${aval} ${formatValue(Number(data[0]), dtype)})`;
  let pos = 0;
  const build = (dim: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < shape[dim]!; i++) parts.push(dim === shape.length - 1 ? formatValue(Number(data[pos++]), dtype) : build(dim + 1));
    return `[${parts.join(', ')}]`;
  };
  return `Tensor(${aval} ${build(0)})`;
}
