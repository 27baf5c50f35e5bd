/**
 * A minimal WebAssembly binary encoder used to generate kernels at run time.
 *
 * It covers what curvax's kernels need and nothing more: LEB128 integers, the type, import,
 * function, export and code sections, locals, structured control flow (`block`/`loop`/`if`,
 * `br`/`br_if`), scalar i32/i64/f32/f64 instructions, the SIMD128 instructions, the relaxed-SIMD
 * fused multiply-adds, and the import of one (optionally shared) `WebAssembly.Memory`.
 * Opcodes are listed in {@link Op} (single-byte instructions) and {@link SimdOp} (`0xfd`-prefixed).
 * @module
 */

/** Value types, encoded as in the binary format. */
export const I32 = 0x7f;
/** 64-bit integer value type. */
export const I64 = 0x7e;
/** 32-bit float value type. */
export const F32 = 0x7d;
/** 64-bit float value type. */
export const F64 = 0x7c;
/** 128-bit SIMD vector value type. */
export const V128 = 0x7b;
/** A wasm value type byte. */
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;
/** Block type "no results". */
export const BLOCK_VOID = 0x40;

/**
 * Unsigned LEB128 encoding of a non-negative integer (up to 2^53).
 * @param value - the integer to encode
 * @returns the encoded bytes
 * @example
 * ```ts
 * uleb(624485); // [0xe5, 0x8e, 0x26]
 * ```
 */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`uleb: need a non-negative integer, got ${value}`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 encoding of an integer (exact for |value| ≤ 2^53).
 * @param value - the integer to encode
 * @returns the encoded bytes
 * @example
 * ```ts
 * sleb(-123456); // [0xc0, 0xbb, 0x78]
 * ```
 */
export function sleb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * Encodes a string as a length-prefixed UTF-8 name.
 * @param s - the name
 * @returns the encoded bytes
 * @example
 * ```ts
 * encodeName('env'); // [3, 0x65, 0x6e, 0x76]
 * ```
 */
export function encodeName(s: string): number[] {
  const utf8 = new TextEncoder().encode(s);
  return [...uleb(utf8.length), ...utf8];
}

/** Single-byte opcodes (control, variables, memory, numeric). */
export const Op = {
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, return: 0x0f, call: 0x10, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, i64_load: 0x29, f32_load: 0x2a, f64_load: 0x2b,
  i32_store: 0x36, i64_store: 0x37, f32_store: 0x38, f64_store: 0x39,
  memory_size: 0x3f, memory_grow: 0x40,
  i32_const: 0x41, i64_const: 0x42, f32_const: 0x43, f64_const: 0x44,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b,
  i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  f32_eq: 0x5b, f32_ne: 0x5c, f32_lt: 0x5d, f32_gt: 0x5e, f32_le: 0x5f, f32_ge: 0x60,
  f64_eq: 0x61, f64_ne: 0x62, f64_lt: 0x63, f64_gt: 0x64, f64_le: 0x65, f64_ge: 0x66,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f, i32_rem_u: 0x70,
  i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_and: 0x83, i64_or: 0x84, i64_shl: 0x86, i64_shr_s: 0x87,
  f32_abs: 0x8b, f32_neg: 0x8c, f32_ceil: 0x8d, f32_floor: 0x8e, f32_trunc: 0x8f, f32_nearest: 0x90, f32_sqrt: 0x91,
  f32_add: 0x92, f32_sub: 0x93, f32_mul: 0x94, f32_div: 0x95, f32_min: 0x96, f32_max: 0x97, f32_copysign: 0x98,
  f64_abs: 0x99, f64_neg: 0x9a, f64_ceil: 0x9b, f64_floor: 0x9c, f64_trunc: 0x9d, f64_nearest: 0x9e, f64_sqrt: 0x9f,
  f64_add: 0xa0, f64_sub: 0xa1, f64_mul: 0xa2, f64_div: 0xa3, f64_min: 0xa4, f64_max: 0xa5, f64_copysign: 0xa6,
  i32_wrap_i64: 0xa7, i32_trunc_f32_s: 0xa8, i32_trunc_f64_s: 0xaa, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  f32_convert_i32_s: 0xb2, f32_demote_f64: 0xb6, f64_convert_i32_s: 0xb7, f64_promote_f32: 0xbb,
  i32_reinterpret_f32: 0xbc, i64_reinterpret_f64: 0xbd, f32_reinterpret_i32: 0xbe, f64_reinterpret_i64: 0xbf,
} as const;

/** SIMD opcodes: the number after the `0xfd` prefix (LEB128-encoded in the binary). */
export const SimdOp = {
  v128_load: 0x00, v128_load32_splat: 0x09, v128_load64_splat: 0x0a, v128_store: 0x0b, v128_const: 0x0c,
  i32x4_splat: 0x11, i64x2_splat: 0x12, f32x4_splat: 0x13, f64x2_splat: 0x14,
  i32x4_extract_lane: 0x1b, f32x4_extract_lane: 0x1f, f64x2_extract_lane: 0x21,
  f32x4_eq: 0x41, f32x4_lt: 0x43, f32x4_gt: 0x44, f64x2_eq: 0x47, f64x2_lt: 0x49, f64x2_gt: 0x4a,
  v128_not: 0x4d, v128_and: 0x4e, v128_andnot: 0x4f, v128_or: 0x50, v128_xor: 0x51, v128_bitselect: 0x52,
  f32x4_ceil: 0x67, f32x4_floor: 0x68, f32x4_trunc: 0x69, f32x4_nearest: 0x6a,
  f64x2_ceil: 0x74, f64x2_floor: 0x75, f64x2_trunc: 0x7a, f64x2_nearest: 0x94,
  i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_sub: 0xb1, i32x4_mul: 0xb5,
  i64x2_shl: 0xcb, i64x2_shr_s: 0xcc, i64x2_shr_u: 0xcd, i64x2_add: 0xce, i64x2_sub: 0xd1,
  f32x4_abs: 0xe0, f32x4_neg: 0xe1, f32x4_sqrt: 0xe3, f32x4_add: 0xe4, f32x4_sub: 0xe5, f32x4_mul: 0xe6,
  f32x4_div: 0xe7, f32x4_min: 0xe8, f32x4_max: 0xe9, f32x4_pmin: 0xea, f32x4_pmax: 0xeb,
  f64x2_abs: 0xec, f64x2_neg: 0xed, f64x2_sqrt: 0xef, f64x2_add: 0xf0, f64x2_sub: 0xf1, f64x2_mul: 0xf2,
  f64x2_div: 0xf3, f64x2_min: 0xf4, f64x2_max: 0xf5, f64x2_pmin: 0xf6, f64x2_pmax: 0xf7,
  i32x4_trunc_sat_f32x4_s: 0xf8, f32x4_convert_i32x4_s: 0xfa,
  i32x4_trunc_sat_f64x2_s_zero: 0xfc, f64x2_convert_low_i32x4_s: 0xfe,
  f32x4_relaxed_madd: 0x105, f32x4_relaxed_nmadd: 0x106, f64x2_relaxed_madd: 0x107, f64x2_relaxed_nmadd: 0x108,
} as const;

/** Name of a single-byte instruction in {@link Op}. */
export type OpName = keyof typeof Op;
/** Name of a SIMD instruction in {@link SimdOp}. */
export type SimdOpName = keyof typeof SimdOp;

/**
 * Byte buffer for one function body, with helpers for the instructions that take immediates.
 * Instructions without immediates go through {@link Code.op} and {@link Code.simd}.
 * @example
 * ```ts
 * const c = new Code();
 * c.get(0).get(1).op('i32_add'); // (local.get 0) (local.get 1) i32.add
 * ```
 */
export class Code {
  /** The encoded instructions so far (without the final `end`). */
  readonly bytes: number[] = [];

  /**
   * Appends raw bytes.
   * @param b - bytes to append
   * @returns this, for chaining
   */
  raw(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /**
   * Appends single-byte instructions without immediates.
   * @param names - instruction names from {@link Op}
   * @returns this, for chaining
   */
  op(...names: OpName[]): this {
    for (const n of names) this.bytes.push(Op[n]);
    return this;
  }
  /**
   * Appends SIMD instructions without immediates (arithmetic, splats, comparisons).
   * @param names - instruction names from {@link SimdOp}
   * @returns this, for chaining
   */
  simd(...names: SimdOpName[]): this {
    for (const n of names) this.raw(0xfd, ...uleb(SimdOp[n]));
    return this;
  }
  /**
   * `local.get`.
   * @param i - local index
   * @returns this, for chaining
   */
  get(i: number): this { return this.raw(Op.local_get, ...uleb(i)); }
  /**
   * `local.set`.
   * @param i - local index
   * @returns this, for chaining
   */
  set(i: number): this { return this.raw(Op.local_set, ...uleb(i)); }
  /**
   * `local.tee`.
   * @param i - local index
   * @returns this, for chaining
   */
  tee(i: number): this { return this.raw(Op.local_tee, ...uleb(i)); }
  /**
   * `i32.const`.
   * @param v - a 32-bit integer
   * @returns this, for chaining
   */
  i32(v: number): this { return this.raw(Op.i32_const, ...sleb(v | 0)); }
  /**
   * `f32.const` (the value is rounded to float32).
   * @param v - the constant
   * @returns this, for chaining
   */
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.raw(Op.f32_const, ...b);
  }
  /**
   * `f64.const`.
   * @param v - the constant
   * @returns this, for chaining
   */
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.raw(Op.f64_const, ...b);
  }
  /**
   * A load or store with a memarg (`i32.load`, `f64.store`, …).
   * @param name - the instruction
   * @param offset - constant byte offset added to the address
   * @param alignLog2 - log2 of the alignment hint (defaults to the natural alignment)
   * @returns this, for chaining
   */
  mem(name: 'i32_load' | 'i64_load' | 'f32_load' | 'f64_load' | 'i32_store' | 'i64_store' | 'f32_store' | 'f64_store',
    offset = 0, alignLog2?: number): this {
    const natural = name.startsWith('i32') || name.startsWith('f32') ? 2 : 3;
    return this.raw(Op[name], ...uleb(alignLog2 ?? natural), ...uleb(offset));
  }
  /**
   * A SIMD memory instruction (`v128.load`, `v128.store`, `v128.load32_splat`, `v128.load64_splat`).
   * @param name - the instruction
   * @param offset - constant byte offset added to the address
   * @returns this, for chaining
   */
  vmem(name: 'v128_load' | 'v128_store' | 'v128_load32_splat' | 'v128_load64_splat', offset = 0): this {
    const align = name === 'v128_load32_splat' ? 2 : name === 'v128_load64_splat' ? 3 : 4;
    return this.raw(0xfd, ...uleb(SimdOp[name]), ...uleb(align), ...uleb(offset));
  }
  /**
   * `v128.const` from four 32-bit integer lanes.
   * @param lanes - the lanes, lowest first
   * @returns this, for chaining
   */
  v128i32(lanes: readonly [number, number, number, number]): this {
    const b = new Uint8Array(new Int32Array(lanes).buffer);
    return this.raw(0xfd, ...uleb(SimdOp.v128_const), ...b);
  }
  /**
   * A lane extraction (`f32x4.extract_lane`, …).
   * @param name - the instruction
   * @param lane - the lane index
   * @returns this, for chaining
   */
  lane(name: 'i32x4_extract_lane' | 'f32x4_extract_lane' | 'f64x2_extract_lane', lane: number): this {
    return this.raw(0xfd, ...uleb(SimdOp[name]), lane);
  }
  /**
   * `block … end` around the instructions emitted by `body`.
   * @param body - emits the block's contents
   * @returns this, for chaining
   */
  block(body: () => void): this { this.raw(Op.block, BLOCK_VOID); body(); return this.raw(Op.end); }
  /**
   * `loop … end` around the instructions emitted by `body` (`br 0` inside continues the loop).
   * @param body - emits the loop's contents
   * @returns this, for chaining
   */
  loop(body: () => void): this { this.raw(Op.loop, BLOCK_VOID); body(); return this.raw(Op.end); }
  /**
   * `if … (else …) end` consuming an i32 condition from the stack.
   * @param then - emits the then-branch
   * @param otherwise - emits the else-branch, if any
   * @param resultType - the block's result type (default none); a typed `if` needs `otherwise`
   * @returns this, for chaining
   */
  if(then: () => void, otherwise?: () => void, resultType: ValType | typeof BLOCK_VOID = BLOCK_VOID): this {
    this.raw(Op.if, resultType);
    then();
    if (otherwise) { this.raw(Op.else); otherwise(); }
    return this.raw(Op.end);
  }
  /**
   * `br depth`.
   * @param depth - relative label depth
   * @returns this, for chaining
   */
  br(depth: number): this { return this.raw(Op.br, ...uleb(depth)); }
  /**
   * `br_if depth`.
   * @param depth - relative label depth
   * @returns this, for chaining
   */
  brIf(depth: number): this { return this.raw(Op.br_if, ...uleb(depth)); }
  /**
   * `call f`.
   * @param funcIndex - function index (imports first)
   * @returns this, for chaining
   */
  call(funcIndex: number): this { return this.raw(Op.call, ...uleb(funcIndex)); }
}

/** Limits and sharing of the imported memory. */
export interface MemoryImport {
  /** Import module name, e.g. `"env"`. */
  readonly module: string;
  /** Import field name, e.g. `"memory"`. */
  readonly name: string;
  /** Minimum size in 64 KiB pages. */
  readonly initial: number;
  /** Maximum size in pages (required when `shared`). */
  readonly maximum?: number | undefined;
  /** Whether the memory is a shared (threads) memory. */
  readonly shared?: boolean | undefined;
}

interface FuncDef {
  readonly type: number;
  readonly locals: readonly ValType[];
  readonly body: Code;
}

const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/**
 * Builds a module: function types, one optional memory import, functions and exports.
 * @example
 * ```ts
 * const mb = new ModuleBuilder();
 * const add = mb.func([I32, I32], [I32], (c) => c.get(0).get(1).op('i32_add'));
 * mb.export('add', add);
 * const { add: f } = new WebAssembly.Instance(new WebAssembly.Module(mb.build())).exports as { add(a: number, b: number): number };
 * f(2, 3); // 5
 * ```
 */
export class ModuleBuilder {
  private readonly types: number[][] = [];
  private readonly funcs: FuncDef[] = [];
  private readonly exports: number[][] = [];
  private memory: MemoryImport | undefined;

  /**
   * Declares the imported memory (at most one).
   * @param m - import names, limits and sharing
   * @returns this, for chaining
   */
  importMemory(m: MemoryImport): this {
    if (m.shared && m.maximum === undefined) throw new Error('importMemory: a shared memory needs a maximum');
    this.memory = m;
    return this;
  }

  /**
   * Interns a function type.
   * @param params - parameter types
   * @param results - result types
   * @returns the type index
   */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const enc = [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
    const key = enc.join(',');
    const found = this.types.findIndex((t) => t.join(',') === key);
    if (found >= 0) return found;
    this.types.push(enc);
    return this.types.length - 1;
  }

  /**
   * Adds a function. `emit` writes the body (the final `end` is added automatically) and may
   * declare locals with `local(type)`, which returns the new local's index (after the parameters).
   * @param params - parameter types
   * @param results - result types
   * @param emit - writes the body
   * @returns the function index
   */
  func(params: readonly ValType[], results: readonly ValType[],
    emit: (c: Code, local: (t: ValType) => number) => void): number {
    const body = new Code();
    const locals: ValType[] = [];
    emit(body, (t) => { locals.push(t); return params.length + locals.length - 1; });
    this.funcs.push({ type: this.type(params, results), locals, body });
    return this.funcs.length - 1;
  }

  /**
   * Exports a function under a name.
   * @param name - export name
   * @param funcIndex - index returned by {@link ModuleBuilder.func}
   * @returns this, for chaining
   */
  export(name: string, funcIndex: number): this {
    this.exports.push([...encodeName(name), 0x00, ...uleb(funcIndex)]);
    return this;
  }

  /**
   * Encodes the module.
   * @returns the module's bytes, ready for `WebAssembly.Module`
   */
  build(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    out.push(...section(1, vec(this.types)));
    const m = this.memory;
    if (m) {
      const flags = (m.maximum !== undefined ? 1 : 0) | (m.shared ? 2 : 0);
      const limits = [flags, ...uleb(m.initial), ...(m.maximum !== undefined ? uleb(m.maximum) : [])];
      out.push(...section(2, vec([[...encodeName(m.module), ...encodeName(m.name), 0x02, ...limits]])));
    }
    out.push(...section(3, vec(this.funcs.map((f) => uleb(f.type)))));
    out.push(...section(7, vec(this.exports)));
    const bodies = this.funcs.map((f) => {
      const groups: number[][] = [];
      let i = 0;
      while (i < f.locals.length) {
        let j = i;
        while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
        groups.push([...uleb(j - i), f.locals[i] as number]);
        i = j;
      }
      const payload = [...vec(groups), ...f.body.bytes, Op.end];
      return [...uleb(payload.length), ...payload];
    });
    out.push(...section(10, vec(bodies)));
    return new Uint8Array(out);
  }
}
