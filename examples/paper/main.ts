// `npm run demo`: reproduces Kunstner, Balles & Hennig (2019) with curvax and writes
// out/report.html (SVG figures from vega-lite specs) and out/results.json (every plotted number).
// Fixed seeds: two runs give the same numbers. Set CURVAX_DEMO_QUICK=1 for a reduced grid.
import { mkdirSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { fig1Problem, fig1Spec, runFig1 } from './fig1.js';
import { fig2Problems, fig2Spec, runFig2 } from './fig2.js';
import { FULL_GRID, fig3Problems, fig3Spec, runFig3, type Fig3Config } from './fig3.js';
import { writeReport, type Figure } from './report.js';
import { beyondSpecs, OPT_GRID, runEwc, runOptimizers, runSpectrum } from './beyond.js';
import { panels } from './panels/index.js';

const quick = process.env['CURVAX_DEMO_QUICK'] === '1';
const grid: Fig3Config = quick ? { steps: 30, logStepSizes: [-6, -4, -2, -1, 0], dampings: [1e-6, 1e-2] } : FULL_GRID;
const problems = fig3Problems();
const runsPerProblem = grid.logStepSizes.length * (1 + 2 * grid.dampings.length);
const optRuns = Object.values(OPT_GRID).reduce((a, g) => a + g.length, 0);
const total = 2 + fig2Problems().length + problems.length * runsPerProblem + optRuns + 8 + 1 + panels.reduce((a, p) => a + p.units(quick), 0);
const fmt = (v: number) => v.toPrecision(6);

const bar = new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {value}/{total} | {stage}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 }, cliProgress.Presets.shades_classic);
bar.start(total, 0, { stage: 'Fig. 1' });
const t0 = performance.now();

const fig1 = runFig1(fig1Problem());
bar.increment(2, { stage: 'Fig. 2' });
const fig2 = fig2Problems().map((p) => {
  const r = runFig2(p);
  bar.increment(1);
  return r;
});
const fig3 = problems.map((p) => {
  bar.update({ stage: `Fig. 3: ${p.name}` });
  return runFig3(p, grid, () => bar.increment(1));
});
bar.update({ stage: 'Beyond: optimizers on digits' });
const optSteps = quick ? 10 : 40;
const opt = runOptimizers(optSteps, OPT_GRID, () => bar.increment(1));
bar.update({ stage: 'Beyond: EWC' });
const ewc = runEwc(quick ? 20 : 60, [10, 100, 1000], () => bar.increment(1));
bar.update({ stage: 'Beyond: Fisher spectrum' });
const spectrum = runSpectrum(opt.find((r) => r.method === 'Adam')!.params, quick ? 100 : 300);
bar.increment(1);
const panelResults: { id: string; result: Awaited<ReturnType<(typeof panels)[number]['run']>> }[] = [];
for (const p of panels) {
  bar.update({ stage: p.stage });
  panelResults.push({ id: p.id, result: await p.run(quick, () => bar.increment(1)) });
}
bar.stop();

const final = (r: (typeof fig3)[number], m: 'GD' | 'NGD' | 'EFGD') => r.best[m].losses.at(-1)!;
// Steps until the loss is within 1e-4 (relative) of the best final loss of the problem.
const stepsTo = (r: (typeof fig3)[number], m: 'NGD' | 'EFGD') => {
  const target = Math.min(final(r, 'NGD'), final(r, 'EFGD'));
  return r.best[m].losses.findIndex((l) => l <= target + 1e-4 * Math.abs(target));
};
// A lower final loss counts only beyond rounding (relative 1e-9); a tie is reported as a tie.
const lower = (a: number, b: number) => a < b - 1e-9 * Math.abs(b);
const claims: { claim: string; holds: boolean }[] = [
  ...fig3.map((r) => {
    const n = final(r, 'NGD'), e = final(r, 'EFGD');
    return lower(n, e) || lower(e, n)
      ? { claim: `${r.problem}: NGD reaches a lower loss than EFGD at their best settings (${fmt(n)} vs ${fmt(e)})`, holds: lower(n, e) }
      : { claim: `${r.problem}: NGD and EFGD tie at their best settings (${fmt(n)} vs ${fmt(e)}); NGD gets within 1e-4 of it in fewer steps (${stepsTo(r, 'NGD')} vs ${stepsTo(r, 'EFGD')})`, holds: stepsTo(r, 'NGD') < stepsTo(r, 'EFGD') };
  }),
  ...fig3.filter((r) => r.problem.includes('raw')).map((r) => ({ claim: `${r.problem}: the cosine between the EFGD and NGD steps goes below zero along the EFGD path (min ${Math.min(...r.cosines).toFixed(3)})`, holds: Math.min(...r.cosines) < 0 })),
  { claim: `Fig. 2: the EF differs from the Fisher at the optimum more under misspecification (‖F̃−F‖/‖F‖: ${fig2.map((r) => r.relativeDifference.toFixed(2)).join(', ')})`, holds: fig2[0]!.relativeDifference < Math.min(fig2[1]!.relativeDifference, fig2[2]!.relativeDifference) },
];
// EWC is compared at settings that still learn task B (≥ 90% of the task-B accuracy without EWC).
const noEwcRun = ewc.results.find((r) => r.variant === 'no EWC')!;
const bestEwc = (variant: string) => Math.max(0, ...ewc.results.filter((r) => r.variant === variant && r.accB >= 0.9 * noEwcRun.accB).map((r) => r.accA));
const noEwc = noEwcRun.accA;
claims.push({ claim: `EWC: among settings that still reach ≥ 90% of the no-EWC task-B accuracy (${(100 * noEwcRun.accB).toFixed(1)}%), the exact-Fisher-diagonal penalty keeps more of task A (best ${(100 * bestEwc('EWC, exact Fisher diagonal')).toFixed(1)}%) than no EWC (${(100 * noEwc).toFixed(1)}%) and than the squared-batch-gradient penalty (best ${(100 * bestEwc('EWC, squared batch gradient')).toFixed(1)}%)`, holds: bestEwc('EWC, exact Fisher diagonal') > Math.max(noEwc, bestEwc('EWC, squared batch gradient')) });
const optFinal = (m: string) => opt.find((r) => r.method === m)!.losses.at(-1)!;
claims.push({ claim: `Optimizers (best learning rate each, ${optSteps} steps): NGD and K-FAC reach a lower training loss than Adam (NGD ${fmt(optFinal('NGD'))}, K-FAC ${fmt(optFinal('K-FAC'))}, Adam ${fmt(optFinal('Adam'))}, FAdam ${fmt(optFinal('FAdam'))})`, holds: Math.max(optFinal('NGD'), optFinal('K-FAC')) < optFinal('Adam') });
const specDist = (a: readonly number[], b: readonly number[]) => Math.hypot(...a.map((v, i) => v - b[i]!)) / Math.hypot(...b);
claims.push({ claim: `Fisher spectrum: K-FAC's eigenvalues are closer to the exact Fisher's than the EF's (relative distance ${specDist(spectrum.kfac, spectrum.exact).toFixed(3)} vs ${specDist(spectrum.empirical, spectrum.exact).toFixed(3)})`, holds: specDist(spectrum.kfac, spectrum.exact) < specDist(spectrum.empirical, spectrum.exact) });
for (const { result } of panelResults) claims.push(...result.claims);
const summary = claims.map((c) => `${c.holds ? 'HOLDS' : 'DOES NOT HOLD'} — ${c.claim}`);

const figures: Figure[] = [
  { id: 'fig1', title: 'Fig. 1 — linear regression: gradient, natural gradient and EF-preconditioned vector fields', caption: 'Arrows: normalised update directions (damping 1e-8) on a grid around the optimum (cross); lines: 40 steps of size 0.1 from three starts. The EF field is distorted and its steps are tiny far from the optimum, because the EF scales with the squared residuals.', spec: fig1Spec(fig1) },
  { id: 'fig2', title: 'Fig. 2 — quadratic approximations at the minimum: Fisher vs empirical Fisher', caption: 'Level set L(θ) − L(θ*) = 0.05 of the loss and of its quadratic models ½ΔᵀFΔ and ½ΔᵀF̃Δ, logistic regression on 2-D data without bias (N = 1000). Under misspecification the EF model differs even at the minimum.', spec: fig2Spec(fig2) },
  { id: 'fig3', title: 'Fig. 3 — GD vs NGD vs EFGD (best step size and damping per method)', caption: `Full-batch, ${grid.steps} iterations from θ = 0, mean NLL. Grid: step sizes 10^{${grid.logStepSizes.join(', ')}}, dampings {${grid.dampings.join(', ')}} (NGD, EFGD); best = lowest final loss among runs that did not diverge. Bottom: cos(EF step, NGD step) along the best EFGD path.`, spec: fig3Spec(fig3) },
];
const extra = beyondSpecs(opt, ewc, spectrum);
figures.push(
  { id: 'optimizers', title: 'Beyond the paper — Adam vs FAdam vs NGD vs K-FAC on an MLP (digits)', caption: `MLP 64→16 (tanh)→10, categorical likelihood, full batch on 1200 training images, ${optSteps} steps, best learning rate per method from {${Object.entries(OPT_GRID).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}}. NGD: exact Fisher on 200 examples, damping 1e-2, truncated CG (20 iterations); K-FAC: factors on the same 200 examples, factored damping 1e-2. Test accuracy on the remaining 597 images in the legend.`, spec: extra['optimizers']! },
  { id: 'ewc', title: 'Beyond the paper — EWC on a two-task split of digits', caption: `Train on digits 0–4 (task A: test accuracy ${(100 * ewc.afterA.accA).toFixed(1)}% after A), then on 5–9 with Adam. EWC with the exact Fisher diagonal keeps task A; the squared batch gradient — near zero at the task-A optimum — gives almost no protection.`, spec: extra['ewc']! },
  { id: 'spectrum', title: 'Beyond the paper — Fisher spectrum: exact vs empirical Fisher vs K-FAC', caption: 'Eigenvalues (descending) of the three curvature matrices of the trained MLP, 300 training examples, P = 1210.', spec: extra['spectrum']! },
);
for (const { result } of panelResults) figures.push(...result.figures);
const { html, svgs } = await writeReport(figures, summary);
mkdirSync('out', { recursive: true });
writeFileSync('out/report.html', html);
for (const [id, svg] of svgs) writeFileSync(`out/${id}.svg`, svg);
const results = { grid, fig1, optimizers: opt.map(({ params, ...r }) => r), ewc, spectrum, fig2: fig2.map(({ points, ...r }) => ({ ...r, points })), fig3, ...Object.fromEntries(panelResults.map(({ id, result }) => [id, result.results])), claims, seconds: (performance.now() - t0) / 1000 };
writeFileSync('out/results.json', JSON.stringify(results));
console.log(summary.join('\n'));
console.log(`\nwrote out/report.html and out/results.json in ${results.seconds.toFixed(1)} s`);
