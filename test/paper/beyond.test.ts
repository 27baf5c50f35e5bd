// Reduced versions of the "beyond the paper" experiments (examples/paper/beyond.ts): the same
// code as `npm run demo`, on fewer digits (300 training images), a smaller MLP and fewer steps.
// Each test asserts what the experiment shows; where the demo suggests more than holds, the
// test asserts the actual behaviour and says so (see the FAdam test).
import { beforeAll, describe, expect, it } from 'vitest';
import { curvatureMatrices, digits, eigenvalues, runEwc, train, type EwcResult, type Kind, type OptRun } from '../../examples/paper/beyond.js';
import type { Tensor } from '../../src/index.js';

const data = digits(300, 200); // 300 training images, the next 200 for testing (loading takes ~0.1 s)

describe('beyond the paper, reduced: Adam vs FAdam vs NGD vs K-FAC (and GD) on a digits MLP', () => {
  // MLP 64→8→10, full batch, 20 steps; NGD/K-FAC curvature on 100 examples. Each grid brackets
  // the method's best learning rate (checked below), unlike the demo's grid (see the FAdam test).
  const grid: Record<Kind, number[]> = { GD: [1, 1.5, 2], Adam: [0.03, 0.1, 0.3], FAdam: [0.3, 1, 3], NGD: [0.1, 0.3, 1], 'K-FAC': [0.3, 1, 2] };
  let runs: Record<Kind, OptRun[]>;
  beforeAll(() => {
    runs = Object.fromEntries((Object.keys(grid) as Kind[]).map((k) => [k, grid[k].map((lr) => train(k, lr, data, 20, 0, { hidden: 8, curvatureExamples: 100 }))])) as Record<Kind, OptRun[]>;
  });
  const final = (r: OptRun) => (Number.isFinite(r.losses.at(-1)!) ? r.losses.at(-1)! : Infinity);
  const best = (k: Kind) => runs[k].reduce((a, b) => (final(b) < final(a) ? b : a));

  it('every method lowers the loss, and each grid brackets its best learning rate', () => {
    for (const k of Object.keys(grid) as Kind[]) {
      const b = best(k);
      expect(b.losses[0]).toBeCloseTo(2.4375, 3); // same initialisation for all methods
      expect(final(b)).toBeLessThan(b.losses[0]! / 2);
      const i = grid[k].indexOf(b.lr);
      expect(i > 0 && i < grid[k].length - 1, `${k}: best lr ${b.lr} at the edge of ${grid[k].join(', ')}`).toBe(true);
    }
  });

  it('NGD and K-FAC reach a lower loss than GD and Adam in the same number of steps (best learning rates)', () => {
    // Measured: GD 0.734 (lr 1.5), Adam 0.134 (0.1), NGD 0.0383 (0.3), K-FAC 0.00534 (1). At the
    // demo's size (1200 images, 16 hidden, 40 steps) the same holds: Adam 0.0389 at lr 0.1 (outside
    // its grid), GD 0.210 at lr 2, NGD 0.0192, K-FAC 0.00365.
    for (const second of ['NGD', 'K-FAC'] as const) {
      for (const first of ['GD', 'Adam'] as const) expect(final(best(second))).toBeLessThan(final(best(first)) / 2);
    }
  });

  it('FAdam is not robustly beaten: the demo grid stops below its best learning rate', () => {
    // The demo's grid for FAdam ends at 0.3 and for Adam at 0.03; both do better above it. This
    // is why FAdam comes out worst in the demo's figure. With lr 1.5, FAdam reaches 0.034 here
    // (below NGD's 0.038) and, at the demo's size, 0.00103 after 40 steps — below K-FAC's
    // 0.00365 — so no ranking of FAdam against NGD/K-FAC is asserted.
    const at = (k: Kind, lr: number) => final(runs[k].find((r) => r.lr === lr)!);
    expect(at('FAdam', 1)).toBeLessThan(at('FAdam', 0.3) / 5);
    expect(at('Adam', 0.1)).toBeLessThan(at('Adam', 0.03) / 2);
  });

  it('is deterministic: a second run gives identical losses', () => {
    const again = train('NGD', 0.3, data, 20, 0, { hidden: 8, curvatureExamples: 100 });
    const first = runs.NGD.find((r) => r.lr === 0.3)!;
    expect(again.losses).toEqual(first.losses);
    expect(again.testAccuracy).toBe(first.testAccuracy);
  });
});

describe('beyond the paper, reduced: EWC on digits 0–4 then 5–9', () => {
  // MLP 64→8→10, 20 Adam steps per task (lr 1e-2), λ ∈ {10, 100, 1000}.
  let r: ReturnType<typeof runEwc>, noEwc: EwcResult, fisher: EwcResult[], sqGrad: EwcResult[];
  beforeAll(() => {
    r = runEwc(20, [10, 100, 1000], () => {}, { data, hidden: 8 });
    noEwc = r.results.find((x) => x.variant === 'no EWC')!;
    fisher = r.results.filter((x) => x.variant === 'EWC, exact Fisher diagonal');
    sqGrad = r.results.filter((x) => x.variant === 'EWC, squared batch gradient');
  });

  it('training on task B without EWC forgets task A', () => {
    // Measured: task-A test accuracy 66% after A, 0% after B; task B reaches 63%.
    expect(r.afterA.accA).toBeGreaterThan(0.5);
    expect(noEwc.accA).toBeLessThan(r.afterA.accA / 2);
    expect(noEwc.accB).toBeGreaterThan(0.5);
  });

  it('EWC with the exact Fisher diagonal reduces the forgetting while task B is still learned', () => {
    // Measured (λ = 10, 100, 1000): task A 0%, 45%, 77%; task B 61%, 67%, 0%. λ = 100 keeps
    // 45% of task A at no cost on B; λ = 1000 keeps A only by not learning B.
    expect(fisher.some((x) => x.accA > noEwc.accA + 0.3 && x.accB > 0.9 * noEwc.accB)).toBe(true);
    for (let i = 1; i < fisher.length; i++) expect(fisher[i]!.accA).toBeGreaterThanOrEqual(fisher[i - 1]!.accA); // more λ, more of A kept
  });

  it('the squared batch gradient (≈ 0 at the task-A optimum) gives almost no protection', () => {
    for (const x of sqGrad) expect(x.accA).toBeLessThanOrEqual(noEwc.accA + 0.05);
    expect(Math.max(...fisher.map((x) => x.accA))).toBeGreaterThan(Math.max(...sqGrad.map((x) => x.accA)) + 0.3);
  });

  it('is deterministic: a second run gives identical accuracies', () => {
    expect(runEwc(20, [10, 100, 1000], () => {}, { data, hidden: 8 })).toEqual(r);
  });
});

describe('beyond the paper, reduced: Fisher spectrum (exact vs empirical Fisher vs K-FAC)', () => {
  // MLP 64→4→10 (P = 310) trained with Adam for 20 steps, curvature on N = 100 examples.
  let m: ReturnType<typeof curvatureMatrices>, ev: Record<'exact' | 'empirical' | 'kfac', number[]>;
  beforeAll(() => {
    m = curvatureMatrices(train('Adam', 0.03, data, 20, 0, { hidden: 4 }).params, 100, data);
    ev = { exact: eigenvalues(m.exact), empirical: eigenvalues(m.empirical), kfac: eigenvalues(m.kfac) };
  });
  const flat = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);
  const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const relDist = (a: number[], b: number[]) => norm(a.map((v, i) => v - b[i]!)) / norm(b);
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const rank = (a: number[]) => a.filter((v) => v > 1e-10 * a[0]!).length;

  it('the exact Fisher and the EF spectra differ', () => {
    // Measured: ‖λ_EF − λ_F‖/‖λ_F‖ = 0.46, tr EF / tr F = 5.15 / 10.03; rank EF = 100 (≤ N), rank F = 261.
    // (Demo, 300 examples, P = 1210: 0.32, 3.90 / 7.38, ranks 299 and 1014.)
    expect(ev.exact.length).toBe(310);
    expect(relDist(ev.empirical, ev.exact)).toBeGreaterThan(0.2);
    expect(sum(ev.empirical)).toBeLessThan(0.75 * sum(ev.exact));
    expect(rank(ev.empirical)).toBeLessThanOrEqual(100); // a sum of N rank-one terms
    expect(rank(ev.exact)).toBeGreaterThan(200);
  });

  it("K-FAC approximates the exact Fisher better than the EF: spectrum, matrix and trace", () => {
    // Measured: spectrum distance K-FAC 0.096 vs EF 0.463; ‖K − F‖_F/‖F‖_F 0.347 vs ‖EF − F‖_F/‖F‖_F 0.625;
    // trace error 1.5% vs 49%. (Demo: spectrum distance 0.163 vs 0.321.)
    expect(relDist(ev.kfac, ev.exact)).toBeLessThan(relDist(ev.empirical, ev.exact) / 2);
    const [F, E, K] = [flat(m.exact), flat(m.empirical), flat(m.kfac)];
    expect(relDist(K, F)).toBeLessThan(relDist(E, F));
    expect(Math.abs(sum(ev.kfac) - sum(ev.exact))).toBeLessThan(Math.abs(sum(ev.empirical) - sum(ev.exact)) / 5);
  });
});
