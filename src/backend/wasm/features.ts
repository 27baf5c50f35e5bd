/**
 * Feature detection for the wasm backend: SIMD128 and relaxed SIMD, each by validating a tiny module.
 *
 * Node 20 (V8 11.3) ships relaxed SIMD behind `--experimental-wasm-relaxed-simd`; the flag can be
 * switched on at run time with `v8.setFlagsFromString` before compiling, and then also covers
 * worker threads. {@link detectRelaxedSimd} does that only when asked to (`enableFlag`, an opt-in:
 * the change is process-wide), only in Node, and only when the feature is not already available.
 * By default the wasm runtime does not ask, so Node 20 runs the multiply + add kernels.
 * @module
 */
import { ModuleBuilder, V128 } from './encoder.js';

/** A module with one function `(v128, v128, v128) → v128` applying one SIMD instruction. */
function oneOpModule(kind: 'simd' | 'relaxed'): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.func([V128, V128, V128], [V128], (c) => {
    if (kind === 'relaxed') c.get(0).get(1).get(2).simd('f32x4_relaxed_madd');
    else c.get(0).get(1).simd('f32x4_add');
  });
  return mb.build();
}

/**
 * Whether this engine validates SIMD128 code.
 * @returns true when `f32x4.add` validates
 * @example
 * ```ts
 * if (!simdSupported()) throw new Error('wasm backend needs SIMD');
 * ```
 */
export function simdSupported(): boolean {
  try { return WebAssembly.validate(oneOpModule('simd')); } catch { return false; }
}

interface V8Module { setFlagsFromString(flags: string): void }

/** Node's `v8` module when it can be reached synchronously (Node ≥ 20.16), else undefined. */
function nodeV8(): V8Module | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = p?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try { return get.call(p, 'node:v8') as V8Module; } catch { return undefined; }
}

let relaxedCache: boolean | undefined;

/**
 * Whether relaxed SIMD (`f32x4.relaxed_madd`) validates, optionally switching V8's experimental
 * flag on first (Node only; a process-wide change that affects modules compiled afterwards).
 * @param enableFlag - try `--experimental-wasm-relaxed-simd` when not available (default false)
 * @returns true when relaxed SIMD kernels can be compiled
 * @example
 * ```ts
 * detectRelaxedSimd();     // false on Node 20 (behind a flag), true where the engine ships it
 * detectRelaxedSimd(true); // true on Node 20 too, after switching the flag on
 * ```
 */
export function detectRelaxedSimd(enableFlag = false): boolean {
  if (relaxedCache === true) return true;
  const bytes = oneOpModule('relaxed');
  const ok = (): boolean => { try { return WebAssembly.validate(bytes); } catch { return false; } };
  if (ok()) return (relaxedCache = true);
  if (!enableFlag) return false;
  const v8 = nodeV8();
  if (!v8) return false;
  try { v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch { return false; }
  return (relaxedCache = ok());
}
