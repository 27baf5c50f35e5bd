// Shared helpers for the curvature tests: dataset loading and dense comparisons.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { tensor, type Tensor } from '../../src/index.js';

const DATA_DIR = new URL('../../data/', import.meta.url);

/** Path of a dataset CSV in the repository's data/ (committed, so the tests never skip on a clone). */
export function dataPath(name: string): string {
  const p = new URL(name, DATA_DIR).pathname;
  if (!existsSync(p)) throw new Error(`test data ${name} is missing from data/ (see data/README.md)`);
  return p;
}

/** Loads a CSV (header row, target last), standardizes features and appends a bias column. */
export function loadStandardized(name: string, limit?: number): { X: number[][]; y: number[] } {
  const lines = readFileSync(dataPath(name), 'utf8').trim().split('\n').slice(1, limit === undefined ? undefined : limit + 1);
  const rows = lines.map((l) => l.split(',').map(Number));
  const d = rows[0]!.length - 1;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const sd = mean.map((m, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / rows.length) || 1);
  const X = rows.map((r) => [...r.slice(0, d).map((v, j) => (v - mean[j]!) / sd[j]!), 1]);
  return { X, y: rows.map((r) => r[d]!) };
}

/** A float64 tensor. */
export const f64 = (data: number | number[] | number[][] | number[][][]): Tensor => tensor(data, { dtype: 'float64' });

/** A tensor as a 2-D JS array. */
export const mat = (t: Tensor): number[][] => t.toArray() as number[][];

/** Expects two arrays (any nesting) to agree elementwise within abs + rel·|b|. */
export function expectClose(a: Tensor | unknown, b: Tensor | unknown, tol = 1e-9): void {
  const fa = flat(a), fb = flat(b);
  expect(fa.length).toBe(fb.length);
  let worst = 0;
  fa.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - fb[i]!) / (tol * (1 + Math.abs(fb[i]!)))); });
  expect(worst).toBeLessThanOrEqual(1);
}

function flat(a: unknown): number[] {
  if (a && typeof a === 'object' && 'toArray' in (a as object)) return flat((a as Tensor).toArray());
  if (Array.isArray(a)) return a.flatMap(flat);
  return [Number(a)];
}

/** Xᵀ diag(w) X / n for plain arrays. */
export function weightedGram(X: number[][], w: number[], scale: number): number[][] {
  const d = X[0]!.length;
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  X.forEach((r, n) => { for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i]![j]! += w[n]! * r[i]! * r[j]! * scale; });
  return out;
}
