// Float64 reference CDFs for the sampler tests, independent of the samplers' code.

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Γ(x), x > 0 (Lanczos g = 7, ~1e-15 relative). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  const y = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Regularised lower incomplete gamma P(a, x): series below a + 1, Lentz continued fraction above. */
export function gammaCdf(a: number, x: number): number {
  if (x <= 0) return 0;
  const lead = a * Math.log(x) - x - lgamma(a);
  if (x < a + 1) {
    let term = 1 / a, sum = term;
    for (let n = 1; n < 10000 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * Math.exp(lead);
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return 1 - Math.exp(lead) * h;
}

/** Beta(a, b) CDF for a, b ≥ 1 by the composite Simpson rule of the density on a fine grid, interpolated. */
export function betaCdf(a: number, b: number): (x: number) => number {
  const m = 20000;
  const logB = lgamma(a) + lgamma(b) - lgamma(a + b);
  const f = (x: number): number => (x <= 0 || x >= 1 ? (x <= 0 ? (a === 1 ? 1 : 0) : b === 1 ? 1 : 0) * Math.exp(-logB) : Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logB));
  const cum = new Float64Array(m + 1);
  const h = 1 / m;
  for (let i = 0; i < m; i++) {
    const x0 = i * h;
    cum[i + 1] = cum[i]! + (h / 6) * (f(x0) + 4 * f(x0 + h / 2) + f(x0 + h));
  }
  return (x) => {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const i = Math.min(m - 1, Math.floor(x / h));
    const t = x / h - i;
    return cum[i]! * (1 - t) + cum[i + 1]! * t;
  };
}

const NORMAL_H = 1e-3;
const NORMAL_TABLE = ((): Float64Array => {
  const m = 24000;
  const phi = (t: number): number => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  const cum = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) {
    const t0 = -12 + i * NORMAL_H;
    cum[i + 1] = cum[i]! + (NORMAL_H / 6) * (phi(t0) + 4 * phi(t0 + NORMAL_H / 2) + phi(t0 + NORMAL_H));
  }
  return cum;
})();

/** Standard normal CDF: Simpson integral of the density from −12, tabulated every 1e-3 and interpolated (error < 1e-7). */
export function normalCdf(x: number): number {
  if (x <= -12) return 0;
  if (x >= 12) return 1;
  const u = (x + 12) / NORMAL_H;
  const i = Math.min(NORMAL_TABLE.length - 2, Math.floor(u));
  const t = u - i;
  return NORMAL_TABLE[i]! * (1 - t) + NORMAL_TABLE[i + 1]! * t;
}

/** The Kolmogorov–Smirnov statistic of samples against a continuous CDF. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Mean, variance and the CLT standard errors of both (SE of the variance from the 4th central moment). */
export function moments(xs: ArrayLike<number>): { mean: number; variance: number; seMean: number; seVariance: number } {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  const mean = s / n;
  let m2 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean, variance: m2, seMean: Math.sqrt(m2 / n), seVariance: Math.sqrt(Math.max(m4 - m2 * m2, 0) / n) };
}
