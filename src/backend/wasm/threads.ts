/**
 * A worker pool (Node `worker_threads`, or Web Workers in a cross-origin-isolated page) that shares
 * the runtime's wasm memory and splits a GEMM's rows over `threads − 1` workers plus the calling
 * thread.
 *
 * Protocol, over a small `Int32Array` on a `SharedArrayBuffer`:
 * - work items are chunks of the flattened `batch·m` rows. `NEXT` packs a job tag (20 bits) and
 *   the next unclaimed item (12 bits); every participant claims items with a compare-exchange
 *   that fails unless the tag is the current job's, so a worker that wakes late can never take an
 *   item of a job it has not read (robust to descheduled workers and unequal vCPUs);
 * - the caller first invalidates `NEXT` (new tag, no items left), then writes the job (kernel
 *   arguments, item count), resets `DONE`, opens `NEXT`, bumps `GEN` and notifies; workers spin
 *   about 100 µs on `GEN`, then park in `Atomics.wait`;
 * - the caller computes items too and returns once `DONE` (completed items) reaches the count:
 *   it never waits for a worker that claimed nothing;
 * - a worker reads `GEN` *before* announcing it is ready, so a job posted during start-up is seen.
 * Workers are `unref()`ed, so an idle pool never keeps the process alive. Where the calling thread
 * may not block (a browser's main thread), it spins instead of `Atomics.wait`.
 * Node built-ins are reached through `process.getBuiltinModule` (or a computed dynamic import), so
 * browser bundlers never see a `node:` import.
 * @module
 */
import type { Dtype } from './gemm.js';
import type { ResolvedGemm } from './gemm-params.js';
import type { WasmRuntime } from './index.js';

const GEN = 0, NEXT = 1, DONE = 2, STOP = 3, ERR = 4, NITEMS = 5, CHUNK = 6, DT = 7, ARGS = 8;
/** Items completed by workers (not the caller), cumulative: evidence that the workers ran. */
const WITEMS = ARGS + 16;
const CTRL_INTS = ARGS + 17;
const SPIN_MS = 0.1;
const IDX_BITS = 12, IDX_MASK = (1 << IDX_BITS) - 1, TAG_MASK = 0xfffff;

type Kernel = (...args: number[]) => void;

/**
 * `claim` and `runItem`, shared verbatim by the caller and the workers (plain JS with the layout
 * constants inlined, so that minifiers cannot break the worker by renaming identifiers).
 * - `claim(ctrl, tag, nItems)`: the next item of the job tagged `tag`, or -1 when there is none;
 * - `runItem(ctrl, kernel, ws, i)`: rows `[i·ch, (i+1)·ch)` of the flattened batch.
 */
const SHARED_SOURCE = `
function claim(ctrl, tag, nItems) {
  for (;;) {
    const w = Atomics.load(ctrl, ${NEXT});
    const idx = w & ${IDX_MASK};
    if (w >>> ${IDX_BITS} !== tag || idx >= nItems) return -1;
    if (Atomics.compareExchange(ctrl, ${NEXT}, w, w + 1) === w) return idx;
  }
}
function runItem(ctrl, kernel, ws, i) {
  const ch = ctrl[${CHUNK}];
  const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, add, batch, sA, sB, sC] = ctrl.subarray(${ARGS}, ${ARGS + 16});
  const r1 = Math.min((i + 1) * ch, m * batch);
  for (let r = i * ch; r < r1;) {
    const t = Math.floor(r / m), i0 = r - t * m, i1 = Math.min(m, r1 - t * m);
    kernel(i1 - i0, n, k, a + t * sA + i0 * rsA, rsA, csA, b + t * sB, rsB, csB, c + t * sC + i0 * ldc, ldc, add, ws, 1, 0, 0, 0);
    r += i1 - i0;
  }
}
`;
const shared = new Function(`${SHARED_SOURCE}\nreturn { claim, runItem };`)() as {
  claim(ctrl: Int32Array, tag: number, nItems: number): number;
  runItem(ctrl: Int32Array, kernel: Kernel, ws: number, i: number): void;
};
const { claim, runItem } = shared;

/** Worker body (plain JS) around {@link SHARED_SOURCE}; expects `workerData` and `post` in scope. */
const WORKER_BODY = `
const { ctrl: sab, memory, bytes, ws, scratch } = workerData;
const ctrl = new Int32Array(sab);
const [GEN, DONE, STOP, ERR, NITEMS, DT, TAG_MASK, WITEMS] = [${GEN}, ${DONE}, ${STOP}, ${ERR}, ${NITEMS}, ${DT}, ${TAG_MASK}, ${WITEMS}];
const kernels = bytes.map((b) => new WebAssembly.Instance(new WebAssembly.Module(b), { env: { memory } }).exports.gemm);
// Warm-up on a private scratch block so the kernels tier up before the first real job.
kernels.forEach((k, d) => {
  const E = d === 0 ? 4 : 8;
  for (let i = 0; i < 20; i++) k(24, 24, 24, scratch, 24 * E, E, scratch + 576 * E, 24 * E, E, scratch + 1152 * E, 24 * E, 0, ws[d], 1, 0, 0, 0);
});
${SHARED_SOURCE}
let seen = Atomics.load(ctrl, GEN);
post('ready');
for (;;) {
  const t0 = performance.now();
  while (Atomics.load(ctrl, GEN) === seen && performance.now() - t0 < ${SPIN_MS});
  if (Atomics.load(ctrl, GEN) === seen) Atomics.wait(ctrl, GEN, seen);
  seen = Atomics.load(ctrl, GEN);
  if (Atomics.load(ctrl, STOP)) break;
  const tag = seen & TAG_MASK, nItems = Atomics.load(ctrl, NITEMS);
  for (let i = claim(ctrl, tag, nItems); i >= 0; i = claim(ctrl, tag, nItems)) {
    const d = ctrl[DT];
    try { runItem(ctrl, kernels[d], ws[d], i); } catch (e) { Atomics.store(ctrl, ERR, 1); }
    Atomics.add(ctrl, WITEMS, 1);
    if (Atomics.add(ctrl, DONE, 1) + 1 === nItems) Atomics.notify(ctrl, DONE);
  }
}
`;

/** Node worker source (run with `eval: true`). */
const NODE_WORKER_SOURCE = `const { parentPort, workerData } = require('node:worker_threads');
const post = (m) => parentPort.postMessage(m);
${WORKER_BODY}`;

/** Web Worker source (a classic worker from a blob URL): the first message carries the worker data. */
const WEB_WORKER_SOURCE = `self.onmessage = (ev) => {
self.onmessage = null;
const workerData = ev.data;
const post = (m) => self.postMessage(m);
${WORKER_BODY}
};`;

interface WorkerLike { unref(): void; terminate(): Promise<unknown>; readonly ready: Promise<unknown> }
interface WorkerData { ctrl: SharedArrayBuffer; memory: WebAssembly.Memory; bytes: Uint8Array[]; ws: number[]; scratch: number }
interface Spawner { readonly cores: number; spawn(data: WorkerData): WorkerLike }
type NodeWorkerThreads = typeof import('node:worker_threads');
interface NodeProcess { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown }

/** A Node built-in without a literal `import('node:…')` that browser bundlers would try to resolve. */
async function nodeBuiltin<T>(id: string): Promise<T> {
  const p = (globalThis as { process?: NodeProcess }).process;
  if (typeof p?.getBuiltinModule === 'function') return p.getBuiltinModule(id) as T;
  const spec = `node:${id.replace(/^node:/, '')}`;
  return (await import(/* @vite-ignore */ spec)) as T;
}

/** How to start workers here: Node `worker_threads`, Web Workers, or undefined (neither). */
async function spawner(): Promise<Spawner | undefined> {
  const p = (globalThis as { process?: NodeProcess }).process;
  if (typeof p?.versions?.node === 'string') {
    const wt = await nodeBuiltin<NodeWorkerThreads>('worker_threads');
    const os = await nodeBuiltin<{ availableParallelism(): number }>('os');
    return {
      cores: os.availableParallelism(),
      spawn: (workerData) => {
        const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData });
        const ready = new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
        return { ready, unref: () => w.unref(), terminate: () => w.terminate() };
      },
    };
  }
  const g = globalThis as { Worker?: typeof Worker; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker !== 'function' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') return undefined;
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const WebWorker = g.Worker;
  return {
    cores: g.navigator?.hardwareConcurrency ?? 1,
    spawn: (workerData) => {
      const w = new WebWorker(url);
      const ready = new Promise((resolve, reject) => {
        w.addEventListener('message', resolve, { once: true });
        w.addEventListener('error', (e) => reject(new Error(`wasm thread pool: a worker failed to start: ${e.message}`)), { once: true });
      });
      w.postMessage(workerData);
      return { ready, unref: () => {}, terminate: async () => w.terminate() };
    },
  };
}

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not). */
function waitAllowed(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Worker pool for large GEMMs. Create it through `WasmRuntime.startThreads`.
 * @example
 * ```ts
 * const rt = new WasmRuntime();
 * await rt.startThreads(2);
 * rt.matmulArrays(a, b, 512, 512, 512); // split over 2 threads
 * await rt.stopThreads();
 * ```
 */
export class ThreadPool {
  /** Minimum `m·n·k·batch` for a GEMM to be split (smaller ones run on the caller only). */
  minWork = 120 * 120 * 120;
  private readonly ctrl: Int32Array;
  private readonly canWait = waitAllowed();

  private constructor(private readonly workers: WorkerLike[], sab: SharedArrayBuffer, private readonly release: () => void) {
    this.ctrl = new Int32Array(sab);
  }

  /**
   * Starts `threads − 1` workers on the runtime's (shared) memory.
   * @param rt - the runtime whose memory and GEMM kernels the workers use
   * @param threads - total threads including the caller (default: the number of cores)
   * @returns the pool, or undefined when worker threads are unavailable or pointless (1 thread)
   * @example
   * ```ts
   * const pool = await ThreadPool.create(rt, 2);
   * ```
   */
  static async create(rt: WasmRuntime, threads?: number): Promise<ThreadPool | undefined> {
    if (!rt.memory.shared) return undefined;
    let sp: Spawner | undefined;
    try {
      sp = await spawner();
    } catch {
      return undefined;
    }
    if (sp === undefined) return undefined;
    const total = threads ?? sp.cores;
    if (total < 2) return undefined;
    const sab = new SharedArrayBuffer(CTRL_INTS * 4);
    const bytes = [rt.gemmModuleBytes('f32'), rt.gemmModuleBytes('f64')];
    const workers: WorkerLike[] = [];
    const ready: Promise<unknown>[] = [];
    const scratch = rt.memory.alloc(3 * 24 * 24 * 8 * (total - 1));
    const allocated: number[] = [];
    const release = (): void => { for (const off of allocated.splice(0)) rt.memory.free(off); };
    for (let i = 1; i < total; i++) {
      const ws = [rt.allocWorkspace('f32'), rt.allocWorkspace('f64')];
      allocated.push(...ws);
      const w = sp.spawn({ ctrl: sab, memory: rt.memory.memory, bytes, ws, scratch: scratch + (i - 1) * 3 * 24 * 24 * 8 });
      ready.push(w.ready);
      workers.push(w);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      release();
      throw e;
    } finally {
      rt.memory.free(scratch);
    }
    for (const w of workers) w.unref(); // only now: an unref'd worker would not keep the await alive
    return new ThreadPool(workers, sab, release);
  }

  /** Number of workers (the caller is one more thread). */
  get size(): number { return this.workers.length; }

  /** GEMM work items completed by the workers (not the caller) since the pool started. */
  get workerItems(): number { return Atomics.load(this.ctrl, WITEMS); }

  /**
   * Whether a GEMM is big enough to be worth splitting.
   * @param r - the resolved GEMM
   * @returns true to run it on the pool
   */
  accepts(r: ResolvedGemm): boolean {
    return r.k > 0 && r.m * r.n * r.k * r.batch >= this.minWork && r.m * r.batch >= 2 * (this.workers.length + 1);
  }

  /**
   * Runs a GEMM on every thread and returns when it is complete.
   * @param dtype - element type (selects the workers' kernel)
   * @param r - the resolved GEMM
   * @param kernel - this thread's kernel
   * @param ws - this thread's workspace offset
   */
  gemm(dtype: Dtype, r: ResolvedGemm, kernel: Kernel, ws: number): void {
    const ctrl = this.ctrl;
    const threads = this.workers.length + 1;
    const rows = r.m * r.batch;
    // ~3 items per thread for balance, ≥ 16 rows, a multiple of 12 (= of every mr), < 4096 items.
    let ch = Math.ceil(Math.max(16, Math.ceil(rows / (3 * threads))) / 12) * 12;
    while (Math.ceil(rows / ch) > IDX_MASK) ch *= 2;
    const nItems = Math.ceil(rows / ch);
    const gen = (Atomics.load(ctrl, GEN) + 1) | 0;
    const tag = gen & TAG_MASK;
    Atomics.store(ctrl, NEXT, (tag << IDX_BITS) | IDX_MASK); // new tag, nothing claimable yet
    ctrl.set([r.m, r.n, r.k, r.a, r.rsA, r.csA, r.b, r.rsB, r.csB, r.c, r.ldc, r.accumulate, r.batch, r.sA, r.sB, r.sC], ARGS);
    ctrl[NITEMS] = nItems;
    ctrl[CHUNK] = ch;
    ctrl[DT] = dtype === 'f32' ? 0 : 1;
    Atomics.store(ctrl, ERR, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, NEXT, tag << IDX_BITS); // open the items
    Atomics.store(ctrl, GEN, gen);
    Atomics.notify(ctrl, GEN);
    let error: unknown;
    for (let i = claim(ctrl, tag, nItems); i >= 0; i = claim(ctrl, tag, nItems)) {
      try { runItem(ctrl, kernel, ws, i); } catch (e) { error ??= e; }
      Atomics.add(ctrl, DONE, 1);
    }
    const t0 = performance.now();
    for (let d = Atomics.load(ctrl, DONE); d < nItems; d = Atomics.load(ctrl, DONE)) {
      if (this.canWait && performance.now() - t0 > SPIN_MS) Atomics.wait(ctrl, DONE, d, 1);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(ctrl, ERR)) throw new Error('wasm thread pool: a worker failed while computing a GEMM');
  }

  /**
   * Stops every worker.
   * @returns resolves when all workers have exited
   */
  async terminate(): Promise<void> {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.store(this.ctrl, NEXT, IDX_MASK); // no claimable items for any tag
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.release(); // the workspaces are free only once no worker can touch them
  }
}
