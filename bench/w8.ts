// W8: a small CNN on the digits (batch 128 of 8×8×1 images; conv 3×3×1×16 SAME, tanh, 2×2
// average pool, dense 256 → 10, categorical), float32: per-example gradients and the exact GGN
// diagonal (= the exact Fisher's for a categorical likelihood). Peer: TensorFlow.js cpu, which
// has no vmap, so it loops over the examples (and over the 10 columns of the output Fisher's
// square root for the diagonal); tfjs-wasm has no conv gradient kernel, so it has no W8 rows.
// Node only (reads data/ from disk).
import { readFileSync } from 'node:fs';
import { avgPool, backendName, conv, curvature, grad, jit, likelihoods, random, scope, tensor, tree, vmap, type Tensor } from '../src/index.js';
import type { BenchRow } from './harness.js';
import type { Timer } from './workloads.js';

export type Cnn = { c: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };

/** The W8 problem: data, float32 parameters, the model (one example) and its per-example loss. */
export function w8Problem() {
  const rows = readFileSync(new URL('../data/digits.csv', import.meta.url), 'utf8').trim().split('\n').slice(1, 129).map((l) => l.split(',').map(Number));
  const x = tensor(rows.map((r) => r.slice(0, 64).map((v) => v / 16)), { dtype: 'float32' }).reshape([128, 8, 8, 1]);
  const y = tensor(rows.map((r) => r[64]!), { dtype: 'int32' });
  const [k1, k2] = random.splitList(random.key(8), 2);
  const params: Cnn = {
    c: { w: random.normal(k1!, [3, 3, 1, 16]).mul(1 / 3), b: tensor(new Float32Array(16)) },
    o: { w: random.normal(k2!, [256, 10]).mul(1 / 16), b: tensor(new Float32Array(10)) },
  };
  const model = (p: Cnn, xn: Tensor): Tensor => {
    const h = conv(xn, p.c.w, { padding: 'SAME' }).add(p.c.b).tanh(); // [8, 8, 16]
    return avgPool(h, [2, 2]).reshape([256]).matmul(p.o.w).add(p.o.b); // 2×2 average pool → [4, 4, 16]
  };
  const likelihood = likelihoods.categorical();
  const loss = (p: Cnn, xn: Tensor, yn: Tensor): Tensor => likelihood.logProb(model(p, xn), yn).neg();
  return { x, y, params, model, likelihood, loss };
}

/** Per-example gradients used as a user does: squared and summed over examples inside `scope` (the [128, P] result freed). */
const consume = (g: () => Cnn): Cnn => scope(() => tree.map((l: Tensor) => l.square().sum(0), g()) as Cnn);

/** curvax rows on the current backend: per-example gradients (eager and jit) and the exact GGN diagonal. */
export function w8Cnn(time: Timer): BenchRow[] {
  const { x, y, params, model, likelihood, loss } = w8Problem();
  const sys = `curvax/${backendName()}`;
  const pe = vmap(grad(loss), { inAxes: [null, 0, 0] });
  const peJit = jit(pe);
  const eager = time(() => consume(() => pe(params, x, y)), 5, 1);
  const jitted = time(() => consume(() => peJit(params, x, y)), 5, 3);
  const diag = time(() => curvature.fisher({ model, likelihood }, params, { x, y }).diagonal(), 5, 2);
  return [
    { workload: 'W8 CNN per-example grads vmap(grad)', system: sys, medianMs: eager },
    { workload: 'W8 CNN per-example grads vmap(grad)', system: `${sys} jit`, medianMs: jitted },
    { workload: 'W8 CNN exact GGN diagonal', system: sys, medianMs: diag, note: 'curvature.fisher(...).diagonal() (= GGN for categorical)' },
  ];
}

/** TensorFlow.js cpu: the same quantities by loops over examples (and columns), checked against curvax. */
export async function w8TfjsCpu(time: Timer): Promise<BenchRow[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  const prob = w8Problem();
  const host = (t: Tensor) => Float32Array.from(t.toTypedArray() as Float32Array);
  const wc = tf.tensor4d(host(prob.params.c.w), [3, 3, 1, 16]), bc = tf.tensor1d(host(prob.params.c.b));
  const wo = tf.tensor2d(host(prob.params.o.w), [256, 10]), bo = tf.tensor1d(host(prob.params.o.b));
  const X = tf.tensor4d(host(prob.x), [128, 8, 8, 1]);
  const Y = tf.oneHot(tf.tensor1d(Int32Array.from(prob.y.toTypedArray() as Int32Array), 'int32'), 10);
  const logits = (a: any, b: any, c: any, d: any, xx: any): any => {
    const h: any = tf.tanh(tf.add(tf.conv2d(xx, a, 1, 'same'), b));
    return tf.add(tf.matMul(tf.reshape(tf.avgPool(h, 2, 2, 'valid'), [1, 256]), c), d);
  };
  const nll = (a: any, b: any, c: any, d: any, xx: any, yy: any): any => tf.neg(tf.sum(tf.mul(yy, tf.logSoftmax(logits(a, b, c, d, xx)))));
  const params4 = [wc, bc, wo, bo];
  const per = (xx: any, yy: any): any[] => tf.grads((a: any, b: any, c: any, d: any) => nll(a, b, c, d, xx, yy))(params4);
  const ex = (i: number) => X.slice([i, 0, 0, 0], [1, 8, 8, 1]);
  const peMs = time(() => {
    for (let i = 0; i < 128; i++) {
      const xi = ex(i), yi = Y.slice([i, 0], [1, 10]);
      const gs = per(xi, yi);
      gs.forEach((g: any) => { g.dataSync(); g.dispose(); });
      xi.dispose(); yi.dispose();
    }
  }, 3, 1);
  // Exact GGN diagonal: Σₙ Σ꜀ (Jₙᵀ Uₙ[:, c])² / N with Uₙ = diag(√p) − p√pᵀ, one gradient per (n, c).
  const colGrad = (xx: any, u: any): any[] => tf.grads((a: any, b: any, c: any, d: any) => tf.sum(tf.mul(logits(a, b, c, d, xx), u)))(params4);
  const diagonal = (): Float32Array[] => {
    const acc = [wc, bc, wo, bo].map((t) => new Float32Array(t.size));
    for (let n = 0; n < 128; n++) {
      const xn = ex(n);
      const p = tf.tidy(() => tf.softmax(logits(wc, bc, wo, bo, xn)).dataSync()) as Float32Array;
      const sp = Array.from(p, Math.sqrt);
      for (let c = 0; c < 10; c++) {
        const col = Array.from(p, (pk, k) => (k === c ? sp[c]! : 0) - pk * sp[c]!);
        const u = tf.tensor2d(col, [1, 10]);
        const gs = colGrad(xn, u);
        gs.forEach((g: any, i: number) => { const d = g.dataSync(); for (let j = 0; j < d.length; j++) acc[i]![j]! += (d[j]! * d[j]!) / 128; g.dispose(); });
        u.dispose();
      }
      xn.dispose();
    }
    return acc;
  };
  let theirs: Float32Array[] = [];
  const diagMs = time(() => (theirs = diagonal()), 3, 0); // 1280 small gradients per run: warm after the first few
  // the same quantity: compare with curvax's diagonal
  const ours = curvature.fisher({ model: prob.model, likelihood: prob.likelihood }, prob.params, { x: prob.x, y: prob.y }).diagonal();
  const pairs: [Float32Array, Tensor][] = [[theirs[1]!, ours.c.b], [theirs[0]!, ours.c.w], [theirs[3]!, ours.o.b], [theirs[2]!, ours.o.w]];
  let worst = 0;
  for (const [t, o] of pairs) {
    const ov = o.toTypedArray() as Float32Array;
    const scale = Math.max(...Array.from(ov, Math.abs), ...Array.from(t, Math.abs));
    t.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - ov[j]!) / scale); });
  }
  [wc, bc, wo, bo, X, Y].forEach((t) => t.dispose());
  return [
    { workload: 'W8 CNN per-example grads (loop of 128)', system: 'tfjs/cpu', medianMs: peMs },
    { workload: 'W8 CNN exact GGN diagonal', system: 'tfjs/cpu', medianMs: diagMs, note: `loop of 128 × 10 gradients; max |Δ|/max|d| vs curvax ${worst.toExponential(1)}` },
  ];
}
