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
import { BLOCK_VOID, Op, SimdOp, type OpName, type SimdOpName, type ValType } from './opcodes.js';

export * from './opcodes.js';

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
   * `i8x16.shuffle` of the two vectors on the stack, by 32-bit lanes (0–3 pick from the first
   * operand, 4–7 from the second) or, with `bytes`, by the 16 byte indices themselves.
   * @param lanes - four 32-bit lane indices in 0..7, or sixteen byte indices in 0..31
   * @returns this, for chaining
   */
  shuffle(lanes: readonly number[]): this {
    const b = lanes.length === 4 ? lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]) : [...lanes];
    if (b.length !== 16 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 31)) throw new RangeError(`shuffle: bad lanes ${lanes.join(',')}`);
    return this.raw(0xfd, ...uleb(SimdOp.i8x16_shuffle), ...b);
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

/**
 * Names, limits and sharing of the imported memory (`maximum` is required when `shared`).
 * @example
 * ```ts
 * mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: 65536, shared: true });
 * ```
 */
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
