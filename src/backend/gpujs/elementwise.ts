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

/**
 * sin/cos for GL (Cephes `sinf`/`cosf`): GLSL's built-ins were off by up to 2e-4 at |x| ≈ 10
 * (SwiftShader); this reduces by π/4 in three float32 parts and uses the Cephes polynomials,
 * a few ulp for |x| < 8192.
 */
function trig(cos: boolean): string {
  return [
    'const x0 = Math.abs(a);',
    'let j = Math.floor(x0 * 1.2732395447351628);',
    'if (j - 2.0 * Math.floor(j * 0.5) > 0.5) { j = j + 1.0; }',
    'const y0 = j;',
    'j = j - 8.0 * Math.floor(j * 0.125);',
    `let sg = ${cos ? '1.0' : 'a < 0.0 ? -1.0 : 1.0'};`,
    'if (j > 3.5) { sg = -sg; j = j - 4.0; }',
    cos ? 'if (j > 1.5) { sg = -sg; }' : '',
    'const xr = ((x0 - y0 * 0.78515625) - y0 * 0.00024187564849853515625) - y0 * 0.0000000377489497744594108;',
    'const z = xr * xr;',
    'const ps = ((-0.00019515295891 * z + 0.0083321608736) * z - 0.16666654611) * z * xr + xr;',
    'const pc = ((0.00002443315711809948 * z - 0.001388731625493765) * z + 0.04166664568298827) * z * z - 0.5 * z + 1.0;',
    `if (j > 0.5 && j < 2.5) { v = sg * ${cos ? 'ps' : 'pc'}; } else { v = sg * ${cos ? 'pc' : 'ps'}; }`,
    'if (a != a) { v = a; }',
  ].join(' ');
}

/** softplus = x > 0 ? x + log1p(e^-x) : log1p(e^x); GL uses the log1p guard from above. */
function softplus(f: Flavor): string {
  if (f !== 'gl') return 'if (a > 0.0) { v = a + Math.log1p(Math.exp(-a)); } else { v = Math.log1p(Math.exp(a)); }';
  return 'if (a != a) { v = a; } else { let t = a; if (a > 0.0) { t = -a; } const e = Math.exp(t); const u = 1.0 + e; const d = u - 1.0; let lp = e; if (d != 0.0) { lp = Math.log(u) * (e / d); } if (a > 0.0) { v = a + lp; } else { v = lp; } }';
}

function unaryBody(op: UnaryOp, f: Flavor): string {
  const gl = f === 'gl';
  // Written so that it compiles whether or not the UnaryOp union lists 'softplus'.
  if ((op as string) === 'softplus') return softplus(f);
  switch (op) {
    case 'neg': return 'v = -a;';
    case 'exp': return gl ? 'if (a != a) { v = a; } else { v = Math.exp(a); }' : 'v = Math.exp(a);';
    case 'log': return gl ? `if (a > 0.0) { v = Math.log(a); } else { if (a == 0.0) { v = -${INF}; } else { v = ${NAN}; } }` : 'v = Math.log(a);';
    case 'log1p':
      return gl
        ? `if (a == ${INF}) { v = a; } else { if (a > -1.0) { const u = 1.0 + a; const d = u - 1.0; if (d == 0.0) { v = a; } else { v = Math.log(u) * (a / d); } } else { if (a == -1.0) { v = -${INF}; } else { v = ${NAN}; } } }`
        : 'v = Math.log1p(a);';
    case 'expm1':
      return gl
        ? 'if (a != a) { v = a; } else { if (Math.abs(a) < 0.5) { const u = Math.exp(a); const d = u - 1.0; if (d == 0.0) { v = a; } else { v = d * (a / Math.log(u)); } } else { v = Math.exp(a) - 1.0; } }'
        : 'v = Math.expm1(a);';
    case 'tanh':
      return gl
        ? `if (a != a) { v = a; } else { const z = -2.0 * Math.abs(a); const u = Math.exp(z); let t = 0.0; if (Math.abs(a) < 0.5) { const d = u - 1.0; let e = z; if (d != 0.0) { e = d * (z / Math.log(u)); } t = -e / (2.0 + e); } else { t = (1.0 - u) / (1.0 + u); } if (a < 0.0) { v = -t; } else { v = t; } }`
        : 'v = Math.tanh(a);';
    case 'logistic': return 'if (a >= 0.0) { v = 1.0 / (1.0 + Math.exp(-a)); } else { const e = Math.exp(a); v = e / (1.0 + e); }';
    case 'sqrt': return gl ? `if (a >= 0.0) { v = Math.sqrt(a); } else { v = ${NAN}; }` : 'v = Math.sqrt(a);';
    case 'abs': return 'v = Math.abs(a);';
    case 'sign': return 'if (a > 0.0) { v = 1.0; } else { if (a < 0.0) { v = -1.0; } else { v = a; } }';
    case 'sin': return gl ? trig(false) : 'v = Math.sin(a);';
    case 'cos': return gl ? trig(true) : 'v = Math.cos(a);';
    case 'floor': return 'v = Math.floor(a);';
    case 'not': return 'if (a != 0.0) { v = 0.0; } else { v = 1.0; }';
    default: throw new Error(`gpujs: internal error: no kernel for unary op '${String(op)}'.`);
  }
}

function powBody(f: Flavor): string {
  if (f !== 'gl') return 'v = Math.pow(a, b);';
  // JavaScript semantics: y = 0 gives 1; a NaN operand otherwise gives NaN; x = ±0 gives ±0 or
  // ±Infinity (the sign of zero survives only for odd integer y: 1/x is ±Infinity); x < 0 needs
  // an integer y, except x = -Infinity (+Infinity or +0). All measured on headless-gl (Mesa).
  return [
    'if (b == 0.0) { v = 1.0; } else {',
    ` if (a != a || b != b) { v = ${NAN}; } else {`,
    '  let odd = 0.0;',
    '  if (Math.floor(b) == b) { const h = b * 0.5; if (Math.floor(h) != h) { odd = 1.0; } }',
    '  if (a == 0.0) {',
    `   if (b > 0.0) { if (odd > 0.5) { v = a; } else { v = 0.0; } } else { if (odd > 0.5) { v = 1.0 / a; } else { v = ${INF}; } }`,
    '  } else {',
    '   const m = Math.pow(Math.abs(a), b);',
    '   if (a > 0.0) { v = m; } else {',
    `    if (Math.floor(b) != b) { if (a == -${INF}) { v = m; } else { v = ${NAN}; } } else { if (odd > 0.5) { v = -m; } else { v = m; } }`,
    '   }',
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

/**
 * A generated elementwise kernel and whether it takes the specials argument last.
 * @example
 * ```ts
 * const spec = unarySpec('log', [3], 'gl'); // spec.specials === true
 * ```
 */
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
 * @example
 * ```ts
 * be.run(unarySpec('tanh', [2, 3], 'gl'), [x]);
 * ```
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
 * @example
 * ```ts
 * binarySpec('add', [3, 1], [4], [3, 4], 'cpu');
 * ```
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
 * @example
 * ```ts
 * selectSpec([3, 1], [3, 4], [4], [3, 4], 'gl');
 * ```
 */
export function selectSpec(pShape: readonly number[], xShape: readonly number[], yShape: readonly number[], outShape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['p', 'x', 'y'], [pShape, xShape, yShape], outShape, 'if (a != 0.0) { v = b; } else { v = c; }', f);
}

/**
 * Source of a float32 → bool cast (`x != 0`, NaN → false as in JavaScript).
 * @param shape - the shape.
 * @param f - source flavour.
 * @returns the kernel spec.
 * @example
 * ```ts
 * toBoolSpec([5], 'gl');
 * ```
 */
export function toBoolSpec(shape: readonly number[], f: Flavor): ElementwiseSpec {
  return build(['x'], [shape], shape, 'if (a == a) { if (a != 0.0) { v = 1.0; } }', f);
}
