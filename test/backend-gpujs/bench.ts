// W1/W2/W5 timings of the gpujs backend in Node (gpu.js cpu and webasm modes) next to js.
// Run: npx tsx test/backend-gpujs/bench.ts [n,n,...]   (not a vitest file; see docs/backends.md)
import { setBackend } from '../../src/index.js';
import { disposeGpujs, initGpujs } from '../../src/backend/gpujs/index.js';
import { printTable, time, type BenchRow } from '../../bench/harness.js';
import { w1Matmul, w2Mlp, w5Dispatch } from '../../bench/workloads.js';

const sizes = (process.argv[2] ?? '128,256').split(',').map(Number);
const rows: BenchRow[] = [];
for (const name of ['js', 'gpujs:cpu', 'gpujs:webasm']) {
  if (name !== 'js') await initGpujs({ mode: name.split(':')[1] as 'cpu' | 'webasm' });
  setBackend(name);
  const label = (r: BenchRow): BenchRow => ({ ...r, system: name === 'js' ? 'curvax/js' : `curvax/${name}` });
  for (const n of sizes) rows.push(label(w1Matmul(n, time)));
  rows.push(label(w2Mlp(time)));
  rows.push(label(w5Dispatch(time)));
  setBackend('js');
}
printTable(rows);
await disposeGpujs();
