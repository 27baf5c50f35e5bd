// Direct float64 loops for convolutions, written from the definitions (no shared code with src/).

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Every index tuple of a shape, row-major. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const st = strides(shape);
  for (let f = 0; f < n; f++) yield shape.map((d, i) => Math.floor(f / st[i]!) % d);
}

export interface RefConv {
  readonly strides: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly dilation: readonly number[];
  readonly groups: number;
  /** Input dilation (transposed convolutions); 1 when omitted. */
  readonly lhsDilation?: readonly number[];
}

/**
 * `out[n, o, g·Og + j] = Σ_k Σ_i xd[n, o·s + k·r − lo, g·Cg + i] · w[k, i, g·Og + j]` with xd the
 * input dilated by `lhsDilation`. x `[N, ...S, C]`, w `[...K, C/G, O]`, both flat float64 data.
 */
export function refConv(x: Float64Array, xs: readonly number[], w: Float64Array, ws: readonly number[], p: RefConv): { data: Float64Array; shape: number[] } {
  const d = ws.length - 2;
  const ld = p.lhsDilation ?? new Array<number>(d).fill(1);
  const c = xs[d + 1]!, cg = ws[d]!, o = ws[d + 1]!, og = o / p.groups;
  const outSp = Array.from({ length: d }, (_, a) => {
    const dn = (xs[a + 1]! - 1) * ld[a]! + 1;
    const dk = (ws[a]! - 1) * p.dilation[a]! + 1;
    return Math.floor((dn + p.padding[a]![0] + p.padding[a]![1] - dk) / p.strides[a]!) + 1;
  });
  const shape = [xs[0]!, ...outSp, o];
  const xst = strides(xs), wst = strides(ws);
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let f = 0;
  for (const idx of indices(shape)) {
    const n = idx[0]!, oc = idx[d + 1]!, g = Math.floor(oc / og);
    let acc = 0;
    for (const k of indices(ws.slice(0, d))) {
      let xoff = n * xst[0]!;
      let ok = true;
      for (let a = 0; a < d; a++) {
        const q = idx[a + 1]! * p.strides[a]! + k[a]! * p.dilation[a]! - p.padding[a]![0];
        if (q < 0 || q % ld[a]! !== 0 || q / ld[a]! >= xs[a + 1]!) { ok = false; break; }
        xoff += (q / ld[a]!) * xst[a + 1]!;
      }
      if (!ok) continue;
      let woff = 0;
      for (let a = 0; a < d; a++) woff += k[a]! * wst[a]!;
      for (let i = 0; i < cg; i++) acc += x[xoff + g * cg + i]! * w[woff + i * wst[d]! + oc]!;
    }
    out[f++] = acc;
  }
  void c;
  return { data: out, shape };
}

/** TensorFlow/JAX 'SAME' padding of one axis. */
export function samePad(n: number, k: number, s: number, r = 1): [number, number] {
  const dk = (k - 1) * r + 1;
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + dk - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Direct loop pooling of x `[N, ...S, C]`: max (padding excluded) or mean (divisor: window size, or the real elements). */
export function refPool(x: Float64Array, xs: readonly number[], k: readonly number[], s: readonly number[], pads: readonly (readonly [number, number])[], kind: 'max' | 'avg', countPad = true): { data: Float64Array; shape: number[] } {
  const d = k.length;
  const st = strides(xs);
  const outSp = k.map((kk, a) => Math.floor((xs[a + 1]! + pads[a]![0] + pads[a]![1] - kk) / s[a]!) + 1);
  const shape = [xs[0]!, ...outSp, xs[d + 1]!];
  const out: number[] = [];
  for (const idx of indices(shape)) {
    let acc = kind === 'max' ? -Infinity : 0, real = 0;
    for (const t of indices(k)) {
      let off = idx[0]! * st[0]! + idx[d + 1]!, inside = true;
      for (let a = 0; a < d; a++) {
        const q = idx[a + 1]! * s[a]! + t[a]! - pads[a]![0];
        if (q < 0 || q >= xs[a + 1]!) inside = false;
        off += q * st[a + 1]!;
      }
      if (!inside) continue;
      real++;
      acc = kind === 'max' ? Math.max(acc, x[off]!) : acc + x[off]!;
    }
    out.push(kind === 'max' ? acc : acc / (countPad ? k.reduce((a, b) => a * b, 1) : real));
  }
  return { data: Float64Array.from(out), shape };
}

/** JAX's conv_transpose padding of one axis for a dilated window `k` and stride `s`. */
export function transposePad(k: number, s: number, same: boolean): [number, number] {
  const len = same ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
  const lo = same ? (s > k - 1 ? k - 1 : Math.ceil(len / 2)) : k - 1;
  return [lo, len - lo];
}
