// Loading the CSV data sets (csv-parse) and preparing design matrices.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { tensor, type Tensor } from 'curvax';

const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');

export interface Dataset {
  readonly name: string;
  /** Features, row-major [N, D] (no bias column). */
  readonly X: number[][];
  /** Targets. */
  readonly y: number[];
  readonly columns: string[];
}

export function loadCsv(file: string, name = file): Dataset {
  const rows = parse(readFileSync(join(DATA_DIR, file), 'utf8'), { columns: false, skip_empty_lines: true }) as string[][];
  const [header, ...body] = rows;
  const num = body.map((r) => r.map(Number));
  if (num.some((r) => r.some((v) => !Number.isFinite(v)))) throw new Error(`${file}: non-numeric value`);
  return { name, columns: header!, X: num.map((r) => r.slice(0, -1)), y: num.map((r) => r[r.length - 1]!) };
}

/** Column-wise standardisation to mean 0, standard deviation 1 (constant columns left at 0). */
export function standardize(X: number[][]): number[][] {
  const d = X[0]!.length, n = X.length;
  const mu = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j]!, 0) / n);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / n) || 1);
  return X.map((r) => r.map((v, j) => (v - mu[j]!) / sd[j]!));
}

export function withBias(X: number[][]): number[][] {
  return X.map((r) => [...r, 1]);
}

export function toTensor(X: number[][]): Tensor {
  return tensor(X, { dtype: 'float64' });
}

export function vec(y: number[]): Tensor {
  return tensor(y, { dtype: 'float64' });
}
