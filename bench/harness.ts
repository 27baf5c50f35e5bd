// Timing harness for `npm run bench`: median of >= 5 timed runs after warm-ups; results are
// read back inside the timed region so lazy work cannot escape the clock.
import type { Tensor } from '../src/index.js';
import { tree } from '../src/index.js';

export interface BenchRow {
  readonly workload: string;
  readonly system: string;
  readonly medianMs: number;
  readonly gflops?: number;
  readonly note?: string;
}

/** Forces every tensor in a result tree to be materialised on the host. */
export function readBack(x: unknown): void {
  for (const l of tree.leaves(x as any) as unknown[]) if (l && typeof (l as Tensor).toTypedArray === 'function') (l as Tensor).toTypedArray();
}

/** The fastest run of the last {@link time} call, in ms (on a shared machine: the run least disturbed). */
export let lastFastestMs = NaN;

/** Median wall time in ms of `fn` over `reps` runs after `warmup` runs. */
export function time(fn: () => unknown, reps = 5, warmup = 2): number {
  for (let i = 0; i < warmup; i++) readBack(fn());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    readBack(fn());
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  lastFastestMs = ts[0]!;
  return ts[Math.floor(ts.length / 2)]!;
}

export function printTable(rows: readonly BenchRow[]): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('workload', 44)}${pad('system', 34)}${pad('median ms', 12)}${pad('GFLOP/s', 10)}note`);
  for (const r of rows) {
    console.log(`${pad(r.workload, 44)}${pad(r.system, 34)}${pad(r.medianMs.toFixed(3), 12)}${pad(r.gflops === undefined ? '' : r.gflops.toFixed(2), 10)}${r.note ?? ''}`);
  }
}
