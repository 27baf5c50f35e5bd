import { describe, expect, it } from 'vitest';
import { recordSplit, splitChoice, splitCostOf, type SplitCost } from '../../src/backend/wasm/split-choice.js';
import type { ResolvedGemm } from '../../src/backend/wasm/gemm-params.js';

const gemm = (m: number, n: number, k: number, batch = 1) => ({ m, n, k, batch }) as ResolvedGemm;

/** Runs `calls` products whose cost is `pool` or `one` ms per multiply-add; returns the ways taken. */
function run(c: SplitCost, calls: number, pool: number, one: number): boolean[] {
  const ways: boolean[] = [];
  for (let i = 0; i < calls; i++) {
    const p = splitChoice(c);
    recordSplit(c, p, p ? pool : one);
    ways.push(p);
  }
  return ways;
}

describe('thread pool choice per product size', () => {
  it('keeps one record per size (m, n, k, batch)', () => {
    const table = new Map<string, SplitCost>();
    const a = splitCostOf(table, gemm(128, 128, 784));
    expect(splitCostOf(table, gemm(128, 128, 784))).toBe(a);
    expect(splitCostOf(table, gemm(784, 128, 128))).not.toBe(a);
    expect(splitCostOf(table, gemm(128, 128, 784, 2))).not.toBe(a);
    expect(a).toEqual({ one: NaN, pool: NaN, count: 0, usePool: true });
  });

  it('starts on the pool and, while it is faster, runs one product in 16 on one thread', () => {
    const c = splitCostOf(new Map(), gemm(128, 128, 784));
    const ways = run(c, 64, 1, 2);
    expect(ways.filter((p) => !p)).toHaveLength(4);
    expect(ways.slice(0, 15).every((p) => p)).toBe(true);
    expect(ways[15]).toBe(false);
    expect(c.usePool).toBe(true);
  });

  it('moves to one thread when the pool is clearly slower, and back when it is faster again', () => {
    const c = splitCostOf(new Map(), gemm(128, 128, 784));
    run(c, 32, 1, 1); // equal: stays on the pool
    expect(c.usePool).toBe(true);
    run(c, 64, 3, 1); // a busy machine: the pool takes 3x as long
    expect(c.usePool).toBe(false);
    const onOne = run(c, 32, 3, 1);
    expect(onOne.filter((p) => p)).toHaveLength(8); // every 4th explores the pool
    run(c, 64, 0.5, 1); // the core is free again
    expect(c.usePool).toBe(true);
  });

  it('leans to the pool: a pool within 10 % of one thread is kept', () => {
    const c = splitCostOf(new Map(), gemm(128, 128, 784));
    run(c, 128, 1.08, 1);
    expect(c.usePool).toBe(true);
    const d = splitCostOf(new Map(), gemm(128, 128, 784));
    run(d, 128, 1.3, 1);
    expect(d.usePool).toBe(false);
  });

  it('does not flip on one slow pool product (samples are clamped to twice the average)', () => {
    const c = splitCostOf(new Map(), gemm(128, 128, 784));
    run(c, 32, 1, 1.5);
    recordSplit(c, true, 50); // one descheduled run
    expect(c.usePool).toBe(true);
    expect(c.pool).toBeLessThan(1.5);
  });
});
