/**
 * The small structural slice of the gpu.js 2.24 API this backend uses.
 *
 * gpu.js is an optional dependency loaded with a non-literal dynamic import, so its own
 * `.d.ts` is never required to type-check curvax: these interfaces describe exactly the
 * calls made here and nothing more.
 * @module
 */

/**
 * A gpu.js WebGL texture (pipeline output in GL modes).
 * @example
 * ```ts
 * const t = kernel(a) as GpuTexture; t.toArray(); t.delete();
 * ```
 */
export interface GpuTexture {
  /** Reads the texture back (a `Float32Array` for 1-D outputs). */
  toArray(): unknown;
  /** Drops this reference; the GL texture is freed when the last reference goes. */
  delete(): void;
  /** The output shape the texture was produced with. */
  readonly output?: readonly number[] | undefined;
}

/**
 * What a pipeline kernel returns: a texture in GL modes, a `Float32Array` in `cpu`/`webasm`.
 * @example
 * ```ts
 * const v: DeviceValue = isTexture(out) ? out : (out as Float32Array);
 * ```
 */
export type DeviceValue = GpuTexture | Float32Array;

/**
 * A kernel argument: a device value, a typed array or a number.
 * @example
 * ```ts
 * const args: KernelArg[] = [texture, new Float32Array([Infinity, NaN])];
 * ```
 */
export type KernelArg = DeviceValue | Float32Array | number;

/**
 * A compiled gpu.js kernel (the callable `IKernelRunShortcut`).
 * @example
 * ```ts
 * const k: GpuKernel = gpu.createKernel(source, settings); k(a); k.destroy();
 * ```
 */
export interface GpuKernel {
  (...args: KernelArg[]): unknown;
  /** Frees the kernel's program, framebuffer and internal texture. */
  destroy(removeCanvasReferences?: boolean): void;
}

/**
 * Settings passed to `gpu.createKernel` (subset).
 * @example
 * ```ts
 * const s: GpuKernelSettings = { output: [n], pipeline: true, immutable: true, precision: 'single', loopMaxIterations: 1000 };
 * ```
 */
export interface GpuKernelSettings {
  readonly output: readonly number[];
  readonly constants?: Readonly<Record<string, number>>;
  readonly pipeline: boolean;
  readonly immutable: boolean;
  readonly precision: 'single';
  readonly loopMaxIterations: number;
  readonly tactic?: 'precision' | 'balanced' | 'speed';
}

/**
 * A `GPU` instance (one per backend: Chromium keeps at most 16 WebGL contexts).
 * @example
 * ```ts
 * const gpu: GpuInstance = new GPU({ mode: 'webgl2' });
 * ```
 */
export interface GpuInstance {
  /** The mode the instance resolved to (`cpu`, `webasm`, `webgl2`, ...). */
  readonly mode: string;
  /** The kernel class chosen (e.g. `WebGL2Kernel`). */
  readonly Kernel: { readonly name: string } | null;
  createKernel(source: string, settings: GpuKernelSettings): GpuKernel;
  /** Destroys every kernel and the context; asynchronous in gpu.js 2.x. */
  destroy(): Promise<void> | void;
}

/**
 * The `GPU` class with the static feature probes this backend reads.
 * @example
 * ```ts
 * if (GPU.isWebGL2Supported) new GPU({ mode: 'webgl2' });
 * ```
 */
export interface GpuConstructor {
  new (settings: { mode: string }): GpuInstance;
  readonly isWebGL2Supported?: boolean;
  readonly isWebGLSupported?: boolean;
  readonly isHeadlessGLSupported?: boolean;
  readonly isWebAssemblySupported?: boolean;
}

/**
 * The loaded gpu.js module (Node `src/index.js` or the browser bundle `dist/gpu-browser.js`), normalised.
 * @example
 * ```ts
 * const mod: GpujsModule = await loadGpujs();
 * ```
 */
export interface GpujsModule {
  readonly GPU: GpuConstructor;
  /** Kernel class → the mode it implements (`webgl2`, `webgl`, `headlessgl`, `webasm`, `cpu`). */
  readonly kinds: ReadonlyMap<unknown, string>;
}

/**
 * True when a device value is a GL texture (as opposed to a plain `Float32Array`).
 * @param v - a device value.
 * @returns whether it must be deleted with `delete()`.
 * @example
 * ```ts
 * if (isTexture(v)) v.delete();
 * ```
 */
export function isTexture(v: DeviceValue): v is GpuTexture {
  return !(v instanceof Float32Array) && typeof (v as GpuTexture).toArray === 'function';
}
