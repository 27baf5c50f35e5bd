/**
 * Value types and opcode tables of the WebAssembly binary format (MVP, SIMD128, relaxed SIMD),
 * limited to what curvax's generated kernels use.
 * @module
 */

/**
 * The `i32` value type byte.
 * @example
 * ```ts
 * mb.func([I32, I32], [I32], (c) => c.get(0).get(1).op('i32_add'));
 * ```
 */
export const I32 = 0x7f;
/**
 * The `i64` value type byte.
 * @example
 * ```ts
 * mb.func([I64], [], () => undefined);
 * ```
 */
export const I64 = 0x7e;
/**
 * The `f32` value type byte.
 * @example
 * ```ts
 * mb.func([F32], [F32], (c) => c.get(0).op('f32_sqrt'));
 * ```
 */
export const F32 = 0x7d;
/**
 * The `f64` value type byte.
 * @example
 * ```ts
 * mb.func([F64], [F64], (c) => c.get(0).op('f64_neg'));
 * ```
 */
export const F64 = 0x7c;
/**
 * The `v128` (SIMD vector) value type byte.
 * @example
 * ```ts
 * mb.func([I32], [], (c, local) => { const v = local(V128); c.get(0).vmem('v128_load').set(v); });
 * ```
 */
export const V128 = 0x7b;
/**
 * A wasm value type byte.
 * @example
 * ```ts
 * const params: ValType[] = [I32, F64];
 * ```
 */
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;
/**
 * Block type of a `block`/`loop`/`if` without results.
 * @example
 * ```ts
 * new Code().raw(Op.block, BLOCK_VOID); // what Code.block emits
 * ```
 */
export const BLOCK_VOID = 0x40;

/**
 * Single-byte opcodes (control, variables, memory, numeric), by instruction name with `.` → `_`.
 * @example
 * ```ts
 * Op.i32_add; // 0x6a
 * new Code().op('f64_mul'); // emits 0xa2
 * ```
 */
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

/**
 * SIMD opcodes: the number after the `0xfd` prefix (LEB128-encoded in the binary). Includes the
 * relaxed-SIMD fused multiply-adds (`0x105`–`0x108`), which need feature detection.
 * @example
 * ```ts
 * SimdOp.f32x4_add; // 0xe4, emitted as fd e4 01
 * ```
 */
export const SimdOp = {
  v128_load: 0x00, v128_load32_splat: 0x09, v128_load64_splat: 0x0a, v128_store: 0x0b, v128_const: 0x0c, i8x16_shuffle: 0x0d,
  i32x4_splat: 0x11, i64x2_splat: 0x12, f32x4_splat: 0x13, f64x2_splat: 0x14,
  i32x4_extract_lane: 0x1b, f32x4_extract_lane: 0x1f, f64x2_extract_lane: 0x21,
  f32x4_eq: 0x41, f32x4_ne: 0x42, f32x4_lt: 0x43, f32x4_gt: 0x44, f32x4_le: 0x45, f32x4_ge: 0x46,
  f64x2_eq: 0x47, f64x2_ne: 0x48, f64x2_lt: 0x49, f64x2_gt: 0x4a, f64x2_le: 0x4b, f64x2_ge: 0x4c,
  f64x2_promote_low_f32x4: 0x5f,
  v128_not: 0x4d, v128_and: 0x4e, v128_andnot: 0x4f, v128_or: 0x50, v128_xor: 0x51, v128_bitselect: 0x52,
  f32x4_ceil: 0x67, f32x4_floor: 0x68, f32x4_trunc: 0x69, f32x4_nearest: 0x6a,
  f64x2_ceil: 0x74, f64x2_floor: 0x75, f64x2_trunc: 0x7a, f64x2_nearest: 0x94,
  i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_sub: 0xb1, i32x4_mul: 0xb5,
  i64x2_extend_low_i32x4_s: 0xc7, i64x2_shl: 0xcb, i64x2_shr_s: 0xcc, i64x2_shr_u: 0xcd, i64x2_add: 0xce, i64x2_sub: 0xd1,
  f32x4_abs: 0xe0, f32x4_neg: 0xe1, f32x4_sqrt: 0xe3, f32x4_add: 0xe4, f32x4_sub: 0xe5, f32x4_mul: 0xe6,
  f32x4_div: 0xe7, f32x4_min: 0xe8, f32x4_max: 0xe9, f32x4_pmin: 0xea, f32x4_pmax: 0xeb,
  f64x2_abs: 0xec, f64x2_neg: 0xed, f64x2_sqrt: 0xef, f64x2_add: 0xf0, f64x2_sub: 0xf1, f64x2_mul: 0xf2,
  f64x2_div: 0xf3, f64x2_min: 0xf4, f64x2_max: 0xf5, f64x2_pmin: 0xf6, f64x2_pmax: 0xf7,
  i32x4_trunc_sat_f32x4_s: 0xf8, f32x4_convert_i32x4_s: 0xfa,
  i32x4_trunc_sat_f64x2_s_zero: 0xfc, f64x2_convert_low_i32x4_s: 0xfe,
  f32x4_relaxed_madd: 0x105, f32x4_relaxed_nmadd: 0x106, f64x2_relaxed_madd: 0x107, f64x2_relaxed_nmadd: 0x108,
} as const;

/**
 * Name of a single-byte instruction in {@link Op}.
 * @example
 * ```ts
 * const name: OpName = 'f32_add';
 * ```
 */
export type OpName = keyof typeof Op;
/**
 * Name of a SIMD instruction in {@link SimdOp}.
 * @example
 * ```ts
 * const name: SimdOpName = 'f64x2_relaxed_madd';
 * ```
 */
export type SimdOpName = keyof typeof SimdOp;

