// Reduced versions of the paper reproduction: each asserts one of the paper's claims. A
// claim that does not hold here is a failing test, not a hidden one.
import { describe, expect, it } from 'vitest';
import { fig1Problem, runFig1 } from '../../examples/paper/fig1.js';
import { fig2Problems, runFig2 } from '../../examples/paper/fig2.js';
import { fig3Problems, runFig3, type Fig3Config, type Fig3Result } from '../../examples/paper/fig3.js';
import type { Problem } from '../../examples/paper/problems.js';

const small: Fig3Config = { steps: 25, logStepSizes: [-6, -4, -2, -1, 0], dampings: [1e-6, 1e-2] };

/** runFig3, computed once per (problem, grid) for the whole file. */
const cache = new Map<string, Fig3Result>();
const fig3 = (p: Problem, cfg: Fig3Config = small): Fig3Result => {
  const key = `${p.name}|${JSON.stringify(cfg)}`;
  let r = cache.get(key);
  if (!r) cache.set(key, (r = runFig3(p, cfg)));
  return r;
};
const final = (r: Fig3Result, m: 'GD' | 'NGD' | 'EFGD') => r.best[m].losses.at(-1)!;

describe('Kunstner et al. (2019), reduced', () => {
  const [breast, bostonRaw, bostonStd, heart] = fig3Problems();

  it('Fig. 3: NGD reaches a lower loss than EFGD at their best settings (BreastCancer, raw Boston)', () => {
    for (const p of [breast!, bostonRaw!]) {
      const r = fig3(p);
      expect(final(r, 'NGD')).toBeLessThan(final(r, 'EFGD'));
      expect(final(r, 'NGD')).toBeLessThan(final(r, 'GD'));
    }
  });

  it('Fig. 3: on raw Boston the EF step points against the natural gradient (cosine < 0)', () => {
    const r = fig3(bostonRaw!);
    expect(Math.min(...r.cosines)).toBeLessThan(0);
  });

  // Standardised Boston needs step size 10 in the grid for EFGD (the demo's best); 25 steps.
  const stdGrid: Fig3Config = { steps: 25, logStepSizes: [-2, -1, 0, 1], dampings: [1e-6, 1e-2] };

  it('Fig. 3, standardised Boston: NGD beats EFGD and GD, and reaches the raw-feature optimum', () => {
    // Measured: GD 13.97 (step 0.1), NGD 11.8664 (Newton: converged after ~4 steps), EFGD 112.0
    // (step 10; after 100 steps in the demo 11.8905). NGD is invariant to the affine change of
    // features, so it ends at the loss it reaches on raw Boston; GD is not (50.1 on raw features).
    const r = fig3(bostonStd!, stdGrid);
    expect(final(r, 'NGD')).toBeLessThan(final(r, 'EFGD'));
    expect(final(r, 'NGD')).toBeLessThan(final(r, 'GD'));
    const raw = fig3(bostonRaw!);
    expect(Math.abs(final(r, 'NGD') - final(raw, 'NGD'))).toBeLessThan(1e-9 * final(raw, 'NGD'));
    expect(final(raw, 'GD')).toBeGreaterThan(2 * final(r, 'GD'));
  });

  it('Fig. 3, standardised Boston: the EF/NGD cosine stays positive (the negative cosine needs raw features)', () => {
    // Measured: min cosine 0.48 here (demo 0.45), against −0.43 on raw features (demo −0.90).
    expect(Math.min(...fig3(bostonStd!, stdGrid).cosines)).toBeGreaterThan(0);
  });

  it('Fig. 3, heart_scale (a1a stand-in): NGD and EFGD tie at the end; NGD gets there in fewer steps', () => {
    // The claim "NGD reaches a lower final loss than EFGD" does NOT hold meaningfully here: both
    // reach the optimum 0.3325884 (difference 9e-9 after 25 steps; 6e-17, one rounding, after the
    // demo's 100 steps). What holds is speed: NGD is within 1e-4 of it after 4 steps, EFGD after 9.
    const r = fig3(heart!, stdGrid);
    const target = Math.min(final(r, 'NGD'), final(r, 'EFGD'));
    expect(Math.abs(final(r, 'NGD') - final(r, 'EFGD'))).toBeLessThan(1e-6 * target);
    const stepsTo = (m: 'NGD' | 'EFGD') => r.best[m].losses.findIndex((l) => l < target + 1e-4);
    expect(stepsTo('NGD')).toBeGreaterThan(0);
    expect(stepsTo('NGD')).toBeLessThan(stepsTo('EFGD'));
    expect(final(r, 'NGD')).toBeLessThan(final(r, 'GD') - 0.01); // GD: 0.3577
  });

  it('Fig. 2: the EF quadratic differs from the Fisher more under misspecification', () => {
    const rs = fig2Problems(400).map((p) => runFig2(p, 0.05, 12));
    expect(rs[0]!.relativeDifference).toBeLessThan(rs[1]!.relativeDifference);
    expect(rs[0]!.relativeDifference).toBeLessThan(rs[2]!.relativeDifference);
  });

  it('Fig. 1: NGD heads straight to the optimum while EF steps shrink far from it', () => {
    const r = runFig1(fig1Problem(), 3, 30);
    const end = (m: string, s: number) => r.trajectories.filter((t) => t.method === m && t.start === s).at(-1)!;
    const dist = (t: { t0: number; t1: number }) => Math.hypot(t.t0 - r.optimum[0], t.t1 - r.optimum[1]);
    for (const s of [0, 1, 2]) {
      expect(dist(end('NGD', s))).toBeLessThan(0.2);
      expect(dist(end('EFGD', s))).toBeGreaterThan(dist(end('NGD', s)));
    }
  });

  it('is deterministic: two runs give identical numbers', () => {
    const a = runFig3(breast!, { steps: 5, logStepSizes: [-1], dampings: [1e-2] });
    const b = runFig3(breast!, { steps: 5, logStepSizes: [-1], dampings: [1e-2] });
    expect(a).toEqual(b);
  });
});
