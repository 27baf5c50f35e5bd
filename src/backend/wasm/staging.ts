/**
 * One kept block per wasm memory for kernels that stage operands which are not resident (copied
 * in before the kernel, results copied out after it): grown on demand, never freed, so a
 * repeated small call allocates nothing. Kernels using it never run inside one another.
 * @module
 */
import type { WasmMemory } from './memory.js';

const staging = new WeakMap<WasmMemory, { off: number; bytes: number }>();

/**
 * The byte offset of the memory's staging block, at least `bytes` long (its contents are not kept
 * between calls).
 * @param mem - the memory
 * @param bytes - the size needed
 * @returns the block's byte offset (64-byte aligned)
 * @example
 * ```ts
 * const at = stagingBlock(rt.memory, 3 * 4096);
 * ```
 */
export function stagingBlock(mem: WasmMemory, bytes: number): number {
  let b = staging.get(mem);
  if (b === undefined || b.bytes < bytes) {
    if (b !== undefined) mem.free(b.off);
    const size = Math.max(bytes, 2 * (b?.bytes ?? 0), 16_384);
    b = { off: mem.alloc(size, 64, 'kernel staging block'), bytes: size };
    staging.set(mem, b);
  }
  return b.off;
}
