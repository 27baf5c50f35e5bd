/**
 * Whether a large GEMM runs on the thread pool or on the calling thread: threads pay only where a
 * core is free, so each way is timed (ms per multiply-add, moving averages) per product size
 * (`m×n×k×batch`: a program's products differ, e.g. W2's forward product splits into 6 row chunks
 * of a 128-row result and its weight gradient into 33 of a 784-row one).
 *
 * ```text
 * start       the pool (no measurement yet)
 * explore     on the pool every 16th product of a size runs on one thread, on one thread every
 *             4th on the pool, to follow the machine's load
 * on the pool     stay while pool < 1.15 · one
 * on one thread   return when pool < 1.1 · one
 * sample      clamped to [½, 2] × the current average before it is blended in (weight 0.3)
 * ```
 * The thresholds lean to the pool because a pool sample taken from one thread's state is
 * pessimistic: its worker has been parked since the last pool product and must be woken (tens to
 * hundreds of µs on these VMs), which steady use of the pool mostly avoids. The clamp keeps one
 * descheduled run from flipping the choice; a lasting change still moves the average within a
 * few products. On a machine whose other core is busy the pool measures far slower (0.2–0.97×
 * was measured under load), and products stay on the calling thread.
 * @module
 */
import type { ResolvedGemm } from './gemm-params.js';

/** What a product size costs each way, and which way it runs. */
export interface SplitCost {
  /** Moving average of ms per multiply-add on the calling thread alone (NaN: not measured yet). */
  one: number;
  /** The same on the pool. */
  pool: number;
  /** Products of this size so far. */
  count: number;
  /** The way products of this size run (apart from the explored ones). */
  usePool: boolean;
}

/** Sizes remembered per runtime; past this the table starts afresh. */
const MAX_SIZES = 256;
/** On the pool, every 16th product of a size runs on one thread; on one thread, every 4th on the pool. */
const EXPLORE_ONE = 16, EXPLORE_POOL = 4;

/**
 * The cost record of a product's size in `table` (created on first use).
 * @param table - the runtime's table
 * @param r - the product
 * @returns its record
 * @example
 * ```ts
 * const c = splitCostOf(new Map(), resolved); // { one: NaN, pool: NaN, count: 0, usePool: true }
 * ```
 */
export function splitCostOf(table: Map<string, SplitCost>, r: ResolvedGemm): SplitCost {
  const key = `${r.m}x${r.n}x${r.k}x${r.batch}`;
  let c = table.get(key);
  if (c === undefined) {
    if (table.size >= MAX_SIZES) table.clear();
    table.set(key, (c = { one: NaN, pool: NaN, count: 0, usePool: true }));
  }
  return c;
}

/**
 * Whether this product runs on the pool (counts it).
 * @param c - the record of its size
 * @returns true for the pool
 * @example
 * ```ts
 * if (splitChoice(c)) poolGemm(); else gemm();
 * ```
 */
export function splitChoice(c: SplitCost): boolean {
  return c.usePool !== (++c.count % (c.usePool ? EXPLORE_ONE : EXPLORE_POOL) === 0);
}

/**
 * Blends in a product's measured cost and updates the choice (see the module comment).
 * @param c - the record of its size
 * @param pool - whether it ran on the pool
 * @param cost - ms per multiply-add
 * @example
 * ```ts
 * recordSplit(c, true, ms / (m * n * k));
 * ```
 */
export function recordSplit(c: SplitCost, pool: boolean, cost: number): void {
  const old = pool ? c.pool : c.one;
  const next = Number.isNaN(old) ? cost : 0.7 * old + 0.3 * Math.min(2 * old, Math.max(0.5 * old, cost));
  if (pool) c.pool = next; else c.one = next;
  if (Number.isNaN(c.one) || Number.isNaN(c.pool)) return;
  c.usePool = c.pool < (c.usePool ? 1.15 : 1.1) * c.one;
}
