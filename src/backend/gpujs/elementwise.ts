/**
 * Elementwise kernel sources, generated per op, shape and mode.
 *
 * Each op is a statement block reading `a` (and `b`) and assigning `v`. GL modes get guarded
 * formulas where GLSL differs from JavaScript: `log(0)` is about -88 and `log(-1)` is 0 in
 * GLSL, `pow(x, y)` is `exp2(y·log2 x)` (wrong for x ≤ 0), `max`/`min` drop NaN, and the
 * built-in `log1p`/`expm1` lose all relative precision near 0. Infinity and NaN come from a
 * two-element specials argument `sp = [Infinity, NaN]` because GLSL folds `sqrt(-1.0)` to 0 and
 * has no infinity literal (gpu.js writes `Infinity` as 3.4e38).
 * @module
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { broadcastStrides, collapse, Consts, offsetsCode, type Flavor } from './codegen.js';
import type { KernelSpec } from './compile-cache.js';

const INF = 'sp[0]';
const NAN = 'sp[1]';

function unaryBody(op: UnaryOp, f: Flavor): string {
  const gl = f === 'gl';
  switch (op) {
    case 'neg': return 'v = -a;';
    case 'exp': return 'v = Math.exp(a);';
    case 'log': return gl ? `if (a > 0.0) { v = Math.log(a); } else { if (a == 0.0) { v = -${INF}; } else { v = ${NAN}; } }` : 'v = Math.log(a);';
    case 'log1p':
      return gl
        ? `if (a > -1.0) { const u = 1.0 + a; const d = u - 1.0; if (d == 0.0) { v = a; } else { v = Math.log(u) * (a / d); } } else { if (a == -1.0) { v = -${INF}; } else { v = ${NAN}; } }`
        : 'v = Math.log1p(a);';
    case 'expm1':
      return gl
        ? 'if (Math.abs(a) < 0.5) { const u = Math.exp(a); const d = u - 1.0; if (d == 0.0) { v = a; } else { v = d * (a / Math.log(u)); } } else { v = Math.exp(a) - 1.0; }'
        : 'v = Math.expm1(a);';
    case 'tanh':
      return gl
        ? 'if (Math.abs(a) < 0.5) { const u = Math.exp(-2.0 * Math.abs(a)); const d = u - 1.0; let e = -2.0 * Math.abs(a); if (d != 0.0) { e = d * ((-2.0 * Math.abs(a)) / Math.log(u)); } const t = -e / (2.0 + e); if (a < 0.0) { v = -t; } else { v = t; } } else { v = Math.tanh(a); }'
        : 'v = Math.tanh(a);';
    case 'logistic': return 'if (a >= 0.0) { v = 1.0 / (1.0 + Math.exp(-a)); } else { const e = Math.exp(a); v = e / (1.0 + e); }';
    case 'sqrt': return gl ? `if (a >= 0.0) { v = Math.sqrt(a); } else { v = ${NAN}; }` : 'v = Math.sqrt(a);';
    case 'abs': return 'v = Math.abs(a);';
    case 'sign': return 'if (a > 0.0) { v = 1.0; } else { if (a < 0.0) { v = -1.0; } else { v = a; } }';
    case 'sin': return 'v = Math.sin(a);';
    case 'cos': return 'v = Math.cos(a);';
    case 'floor': return 'v = Math.floor(a);';
    case 'not': return 'if (a != 0.0) { v = 0.0; } else { v = 1.0; }';
  }
}

/** True when the op's GL source reads the specials argument. */
export function unaryNeedsSpecials(op: UnaryOp, f: Flavor): boolean {
  return unaryBody(op, f).includes('sp[');
}

function powBody(f: Flavor): string {
  if (f !== 'gl') return 'v = Math.pow(a, b);';
  // JavaScript semantics: y = 0 gives 1; x = 0 gives 0 or Infinity; x < 0 needs an integer y.
  return [
    'if (b == 0.0) { v = 1.0; } else {',
    ` if (a == 0.0) { if (b > 0.0) { v = 0.0; } else { v = ${INF}; } } else {`,
    '  const m = Math.pow(Math.abs(a), b);',
    '  if (a > 0.0) { v = m; } else {',
    `   if (Math.floor(b) != b) { v = ${NAN}; } else { const h = b * 0.5; if (Math.floor(h) != h) { v = -m; } else { v = m; } }`,
    '  }',
    ' }',
    '}',
  ].join('\n');
}

function binaryBody(op: BinaryOp, f: Flavor): string {
  const gl = f === 'gl';
  switch (op) {
    case 'add': return 'v = a + b;';
    case 'sub': return 'v = a - b;';
    case 'mul': return 'v = a * b;';
    case 'div': return 'v = a / b;';
    case 'pow': return powBody(f);
    case 'max': return gl ? `if (a != a || b != b) { v = ${NAN}; } else { v = Math.max(a, b); }` : 'v = Math.max(a, b);';
    case 'min': return gl ? `if (a != a || b != b) { v = ${NAN}; } else { v = Math.min(a, b); }` : 'v = Math.min(a, b);';
    case 'eq': return 'if (a == b) { v = 1.0; }';
    case 'ne': return 'if (a != b) { v = 1.0; }';
    case 'lt': return 'if (a < b) { v = 1.0; }';
    case 'le': return 'if (a <= b) { v = 1.0; }';
    case 'gt': return 'if (a > b) { v = 1.0; }';
    case 'ge': return 'if (a >= b) { v = 1.0; }';
    case 'and': return 'if (a != 0.0) { if (b != 0.0) { v = 1.0; } }';
    case 'or': return 'if (a != 0.0) { v = 1.0; } else { if (b != 0.0) { v = 1.0; } }';
  }
}

/** A generated elementwise kernel and whether it takes the specials argument last. */
export interface ElementwiseSpec extends KernelSpec {
  /** True when the kernel's last argument is `sp = [Infinity, NaN]`. */
  readonly specials: boolean;
}

function build(names: readonly string[], inShapes: readonly (readonly number[])[], outShape: readonly number[], body: string, f: Flavor): ElementwiseSpec {
  const c = new Consts();
  const { shape, strides } = collapse(outShape, inShapes.map((s) => broadcastStrides(s, outShape)));
  const idx = offsetsCode(shape, strides, inShapes.map(() => 0), c);
  const loads = names.map((n, k) => `const ${String.fromCharCode(97 + k)} = ${n}[o${k}];`).join('\n');
  const specials = body.includes('sp[');
  const args = specials ? [...names, 'sp'] : [...names];
  const source = `function (${args.join(', ')}) {\n${idx}\n${loads}\nlet v = 0.0;\n${body}\nreturn v;\n}`;
  const size = outShape.reduce((p, n) => p * n, 1);
  return { source, size, constants: c.values, maxLoop: 0, arrayArgs: args.length, specials };
}

/**
 * Source of `out = op(x)`.
 * @param op - the unary op.
 * @param outShape - output (= input) shape.
 * @param f - source flavour.
 * @returns the kernel spec.
 */
export function unarySpec(op: UnaryOp, outShape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['x'], [outShape], outShape, unaryBody(op, f), f);
}

/**
 * Source of `out = op(x, y)` with NumPy broadcasting through strides.
 * @param op - the binary op.
 * @param xShape - left shape.
 * @param yShape - right shape.
 * @param outShape - broadcast output shape.
 * @param f - source flavour.
 * @returns the kernel spec.
 */
export function binarySpec(op: BinaryOp, xShape: readonly number[], yShape: readonly number[], outShape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['x', 'y'], [xShape, yShape], outShape, binaryBody(op, f), f);
}

/**
 * Source of `out = p ? x : y` with broadcasting.
 * @param pShape - predicate shape.
 * @param xShape - shape of the value where true.
 * @param yShape - shape of the value where false.
 * @param outShape - output shape.
 * @param f - source flavour.
 * @returns the kernel spec.
 */
export function selectSpec(pShape: readonly number[], xShape: readonly number[], yShape: readonly number[], outShape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['p', 'x', 'y'], [pShape, xShape, yShape], outShape, 'if (a != 0.0) { v = b; } else { v = c; }', f);
}

/**
 * Source of a float32 → bool cast (`x != 0`, NaN → false as in JavaScript).
 * @param shape - the shape.
 * @param f - source flavour.
 * @returns the kernel spec.
 */
export function toBoolSpec(shape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['x'], [shape], shape, 'if (a == a) { if (a != 0.0) { v = 1.0; } }', f);
}
