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
 * - a worker reads `GEN` *before* announcing it is ready (`READY`, plus a message), so a job posted
 *   during start-up is seen.
 * A pool is started either asynchronously ({@link ThreadPool.create}: resolves once every worker is
 * ready) or synchronously ({@link ThreadPool.startSync}, the runtime's automatic start: the call
 * returns at once and the pool takes GEMMs from the first call after every worker has counted
 * itself in `READY`; until then the caller computes alone).
 * Workers are `unref()`ed, so an idle pool never keeps the process alive. Where the calling thread
 * may not block (a browser's main thread), it spins instead of `Atomics.wait`.
 * Node built-ins are reached through `process.getBuiltinModule` (or a computed dynamic import), so
 * browser bundlers never see a `node:` import.
 * @module
 */
import { gemmWarmBytes, type Dtype } from './gemm.js';
import type { ResolvedGemm } from './gemm-params.js';
import type { WasmRuntime } from './index.js';

const GEN = 0, NEXT = 1, DONE = 2, STOP = 3, ERR = 4, NITEMS = 5, CHUNK = 6, DT = 7, ARGS = 8;
/** Items completed by workers (not the caller), cumulative: evidence that the workers ran. */
const WITEMS = ARGS + 16;
/** Workers that have started, warmed up and read `GEN`. */
const READY = ARGS + 17;
/** Address of B packed whole by the caller (0: every item packs its own). */
const BPRE = ARGS + 18;
/** Columns per item (`n` unless the columns are split too) and the number of row chunks. */
const COLS = ARGS + 19, ROW_ITEMS = ARGS + 20;
const CTRL_INTS = ARGS + 21;
/** Column chunks are multiples of this (of every register tile width), and at least twice it. */
const COL_QUANTUM = 24;
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
  const ch = ctrl[${CHUNK}], cw = ctrl[${COLS}], nri = ctrl[${ROW_ITEMS}], E = ctrl[${DT}] === 0 ? 4 : 8;
  const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, add, batch, sA, sB, sC] = ctrl.subarray(${ARGS}, ${ARGS + 16});
  const ri = i % nri, j0 = ((i - ri) / nri) * cw, nj = Math.min(cw, n - j0);
  const r1 = Math.min((ri + 1) * ch, m * batch);
  for (let r = ri * ch; r < r1;) {
    const t = Math.floor(r / m), i0 = r - t * m, i1 = Math.min(m, r1 - t * m);
    kernel(i1 - i0, nj, k, a + t * sA + i0 * rsA, rsA, csA, b + t * sB + j0 * csB, rsB, csB, c + t * sC + i0 * ldc + j0 * E, ldc, add, ws, 1, 0, 0, 0, ctrl[${BPRE}]);
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
const [GEN, DONE, STOP, ERR, NITEMS, DT, TAG_MASK, WITEMS, READY] = [${GEN}, ${DONE}, ${STOP}, ${ERR}, ${NITEMS}, ${DT}, ${TAG_MASK}, ${WITEMS}, ${READY}];
const exps = bytes.map((b) => new WebAssembly.Instance(new WebAssembly.Module(b), { env: { memory } }).exports);
const kernels = exps.map((e) => e.gemm);
// Warm-up on a private scratch block so that every function tiers up before the first real job.
exps.forEach((e, d) => e.warm(scratch, ws[d]));
${SHARED_SOURCE}
let seen = Atomics.load(ctrl, GEN);
Atomics.add(ctrl, READY, 1);
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

/** The Node spawner from its two built-ins. */
function nodeSpawner(wt: NodeWorkerThreads, os: { availableParallelism(): number }): Spawner {
  return {
      cores: os.availableParallelism(),
      spawn: (workerData) => {
        const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData });
        const ready = new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
        return { ready, unref: () => w.unref(), terminate: () => w.terminate() };
      },
  };
}

/** The Web Worker spawner, or undefined without `Worker`/`Blob`/object URLs. */
function webSpawner(): Spawner | undefined {
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

const isNode = (): boolean => typeof (globalThis as { process?: NodeProcess }).process?.versions?.node === 'string';

/** How to start workers here: Node `worker_threads`, Web Workers, or undefined (neither). */
async function spawner(): Promise<Spawner | undefined> {
  if (!isNode()) return webSpawner();
  return nodeSpawner(await nodeBuiltin<NodeWorkerThreads>('worker_threads'), await nodeBuiltin<{ availableParallelism(): number }>('os'));
}

/** {@link spawner} without awaiting: undefined in a Node without `process.getBuiltinModule` (< 20.16). */
function spawnerSync(): Spawner | undefined {
  if (!isNode()) return webSpawner();
  const get = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    return nodeSpawner(get('node:worker_threads') as NodeWorkerThreads, get('node:os') as { availableParallelism(): number });
  } catch {
    return undefined;
  }
}

/**
 * The number of threads (caller included) an automatic pool uses here: the core count
 * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser), 1 when
 * workers cannot be started.
 * @returns the thread count, ≥ 1
 * @example
 * ```ts
 * defaultThreadCount(); // 2 on a 2-core machine
 * ```
 */
export function defaultThreadCount(): number {
  try {
    return Math.max(1, spawnerSync()?.cores ?? 1);
  } catch {
    return 1;
  }
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

/** Workers of automatically started pools alive in this thread's process, over every runtime. */
let autoWorkers = 0;

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
  private readonly ctrl: Int32Array;
  private readonly canWait = waitAllowed();
  private isReady = false;
  private failed = false;
  /** Started automatically: counted in `autoWorkers` until terminated. */
  private auto = false;
  /** Resolves when every worker is ready, rejects when one fails to start. */
  readonly whenReady: Promise<void>;

  private constructor(private readonly workers: WorkerLike[], sab: SharedArrayBuffer, private readonly release: () => void) {
    this.ctrl = new Int32Array(sab);
    this.whenReady = Promise.all(workers.map((w) => w.ready)).then(() => { this.isReady = true; }, (e: unknown) => { this.failed = true; throw e; });
    this.whenReady.catch(() => {}); // a failed start only disables the pool; no unhandled rejection
  }

  /** Spawns `total − 1` workers, each with its own workspaces and warm-up scratch (released by `release`). */
  private static spawn(rt: WasmRuntime, sp: Spawner, total: number): ThreadPool {
    const sab = new SharedArrayBuffer(CTRL_INTS * 4);
    const bytes = [rt.gemmModuleBytes('f32'), rt.gemmModuleBytes('f64')];
    const workers: WorkerLike[] = [];
    const allocated: number[] = [];
    const release = (): void => { for (const off of allocated.splice(0)) rt.memory.free(off); };
    try {
      for (let i = 1; i < total; i++) {
        const ws = [rt.allocWorkspace('f32'), rt.allocWorkspace('f64')];
        const scratch = rt.memory.alloc(Math.max(gemmWarmBytes(rt.gemmConfig.f32), gemmWarmBytes(rt.gemmConfig.f64)), 64);
        allocated.push(...ws, scratch);
        workers.push(sp.spawn({ ctrl: sab, memory: rt.memory.memory, bytes, ws, scratch }));
      }
    } catch (e) {
      for (const w of workers) void w.terminate();
      release();
      throw e;
    }
    return new ThreadPool(workers, sab, release);
  }

  /** `threads` (default: every core) including the caller, or undefined without a spawner or with fewer than 2. */
  private static spawnFor(rt: WasmRuntime, sp: Spawner | undefined, threads: number | undefined): ThreadPool | undefined {
    if (sp === undefined) return undefined;
    const total = threads ?? sp.cores;
    return total < 2 ? undefined : ThreadPool.spawn(rt, sp, total);
  }

  /**
   * Starts `threads − 1` workers without waiting for them: the pool accepts GEMMs once every
   * worker is ready (see {@link ThreadPool.ready}). Workers are `unref()`ed at once. This is the
   * automatic start: all such pools of the process together never exceed one worker per core
   * besides the calling thread (a second runtime gets no pool while the first holds the cores).
   * @param rt - the runtime whose memory and GEMM kernels the workers use
   * @param threads - total threads including the caller (default: the number of cores)
   * @returns the starting pool, or undefined when workers cannot be started synchronously here
   * @example
   * ```ts
   * const pool = ThreadPool.startSync(rt); // later GEMMs use it once pool.ready
   * ```
   */
  static startSync(rt: WasmRuntime, threads?: number): ThreadPool | undefined {
    if (!rt.memory.shared) return undefined;
    let sp: Spawner | undefined;
    try {
      sp = spawnerSync();
    } catch {
      return undefined;
    }
    if (sp === undefined) return undefined;
    const free = sp.cores - 1 - autoWorkers;
    if (free < 1) return undefined;
    const pool = ThreadPool.spawnFor(rt, sp, Math.min(threads ?? sp.cores, free + 1));
    if (pool === undefined) return undefined;
    for (const w of pool.workers) w.unref();
    pool.auto = true;
    autoWorkers += pool.size;
    return pool;
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
    const pool = ThreadPool.spawnFor(rt, sp, threads);
    if (pool === undefined) return undefined;
    try {
      await pool.whenReady;
    } catch (e) {
      await pool.terminate();
      throw e;
    }
    for (const w of pool.workers) w.unref(); // only now: an unref'd worker would not keep the await alive
    return pool;
  }

  /** Number of workers (the caller is one more thread). */
  get size(): number { return this.workers.length; }

  /** Whether every worker has started and warmed up (checked without waiting). */
  get ready(): boolean {
    if (!this.isReady && !this.failed && Atomics.load(this.ctrl, READY) >= this.workers.length) this.isReady = true;
    return this.isReady && !this.failed;
  }

  /** GEMM work items completed by the workers (not the caller) since the pool started. */
  get workerItems(): number { return Atomics.load(this.ctrl, WITEMS); }

  /**
   * Whether the pool can take a GEMM: it is ready, and the GEMM has work and at least two rows
   * per thread or enough columns to split (the caller decides whether it is big enough to pay).
   * @param r - the resolved GEMM
   * @returns true to run it on the pool
   */
  accepts(r: ResolvedGemm): boolean {
    return this.ready && r.k > 0 && (r.m * r.batch >= 2 * (this.workers.length + 1) || r.n >= 2 * COL_QUANTUM);
  }

  /**
   * Whether a GEMM splits by rows only, so that every work item can use one B packed whole by
   * the caller (`bPre` of {@link ThreadPool.gemm}); otherwise (few rows) its columns are split
   * too and each item packs just its own columns of B.
   * @param r - the resolved GEMM
   * @returns true when packing B once for all items pays
   */
  sharesPackedB(r: ResolvedGemm): boolean {
    return this.split(r, false).cols === r.n;
  }

  /**
   * The work items of a GEMM: dynamic chunks of the flattened `batch·m` rows (about three per
   * thread, ≥ 16 rows, a multiple of 12 = of every register tile height); with fewer row chunks
   * than two per thread, also chunks of columns (not with a B packed whole for every item).
   */
  private split(r: ResolvedGemm, packedB: boolean): { rows: number; rowItems: number; cols: number; items: number } {
    const threads = this.workers.length + 1;
    const total = r.m * r.batch;
    let rows = Math.ceil(Math.max(16, Math.ceil(total / (3 * threads))) / 12) * 12;
    while (Math.ceil(total / rows) > IDX_MASK) rows *= 2;
    const rowItems = Math.ceil(total / rows);
    let cols = r.n;
    if (rowItems < 2 * threads && !packedB) {
      const parts = Math.ceil((3 * threads) / rowItems);
      cols = Math.max(2 * COL_QUANTUM, Math.ceil(r.n / parts / COL_QUANTUM) * COL_QUANTUM);
      while (rowItems * Math.ceil(r.n / cols) > IDX_MASK) cols *= 2;
      if (cols >= r.n) cols = r.n;
    }
    return { rows, rowItems, cols, items: rowItems * Math.ceil(r.n / cols) };
  }

  /**
   * Wakes parked workers ahead of a job (they then spin for the next one for a short while), to
   * hide the wake-up latency behind work the caller does first, such as packing B.
   */
  wake(): void {
    Atomics.notify(this.ctrl, GEN);
  }

  /**
   * Runs a GEMM on every thread and returns when it is complete.
   * @param dtype - element type (selects the workers' kernel)
   * @param r - the resolved GEMM
   * @param kernel - this thread's kernel
   * @param ws - this thread's workspace offset
   * @param bPre - address of B packed whole by the kernel's `packB` (shared by every item), or 0
   */
  gemm(dtype: Dtype, r: ResolvedGemm, kernel: Kernel, ws: number, bPre = 0): void {
    const ctrl = this.ctrl;
    const { rows: ch, rowItems, cols, items: nItems } = this.split(r, bPre !== 0);
    const gen = (Atomics.load(ctrl, GEN) + 1) | 0;
    const tag = gen & TAG_MASK;
    Atomics.store(ctrl, NEXT, (tag << IDX_BITS) | IDX_MASK); // new tag, nothing claimable yet
    ctrl.set([r.m, r.n, r.k, r.a, r.rsA, r.csA, r.b, r.rsB, r.csB, r.c, r.ldc, r.accumulate, r.batch, r.sA, r.sB, r.sC], ARGS);
    ctrl[NITEMS] = nItems;
    ctrl[CHUNK] = ch;
    ctrl[COLS] = cols;
    ctrl[ROW_ITEMS] = rowItems;
    ctrl[DT] = dtype === 'f32' ? 0 : 1;
    ctrl[BPRE] = bPre;
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
    if (this.auto) { autoWorkers -= this.size; this.auto = false; }
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.store(this.ctrl, NEXT, IDX_MASK); // no claimable items for any tag
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.release(); // the workspaces are free only once no worker can touch them
  }
}
