// How W6's jitted step warms up: wall time of each run of 100 steps from the first call (the
// first run includes tracing and compiling), in a fresh process.
//   npx tsx bench/w6-warmup.ts [runs=25]
import { jit } from '../src/index.js';
import { w6Problem } from './w6.js';

const { step, run } = w6Problem();
const once = run(jit(step));
const times: string[] = [];
for (let r = 0; r < Number(process.argv[2] ?? 25); r++) {
  const t0 = performance.now();
  once().toTypedArray();
  times.push((performance.now() - t0).toFixed(1));
}
console.log(`ms per run of 100 jitted steps, in order: ${times.join(' ')}`);
