/**
 * The device-side operations the kernel planners (`reduce.ts`, `dot.ts`) build on.
 * @module
 */
import type { KernelSpec } from './compile-cache.js';
import type { Flavor } from './codegen.js';
import type { GpuBuf } from './texture-pool.js';

/**
 * Runs generated kernels on device buffers; implemented by the gpujs backend.
 * @example
 * ```ts
 * const out = dev.run(unarySpec('exp', [3], dev.flavor), [x]);
 * ```
 */
export interface DeviceOps {
  /** Source flavour of the `GPU` instance. */
  readonly flavor: Flavor;
  /**
   * Runs a kernel whose array arguments are `args` (uploaded first when they live on the
   * host), plus the specials argument `[Infinity, NaN]` last when `specials`.
   */
  run(spec: KernelSpec, args: readonly GpuBuf[], specials?: boolean): GpuBuf;
  /** `out[i] = x[base + Σ idx_d·strides_d]` over `outShape`. */
  gather(x: GpuBuf, outShape: readonly number[], strides: readonly number[], base: number): GpuBuf;
  /** Frees an intermediate buffer. */
  release(buf: GpuBuf): void;
}
