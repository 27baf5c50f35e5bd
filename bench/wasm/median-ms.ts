// Shared timer of the bench/wasm micro-benchmarks.
const RUNS = 5;

/** Median ms per call of `fn`: ≥ 0.1 s of warm-up, then RUNS samples of ≥ ~30 ms. */
export function ms(fn: () => void): number {
  const warm = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - warm < 100) { fn(); calls++; }
  const once = (performance.now() - warm) / calls;
  const reps = Math.max(1, Math.round(30 / Math.max(once, 1e-3)));
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / reps);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(RUNS / 2)] as number;
}
