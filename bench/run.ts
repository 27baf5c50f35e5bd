// `npm run bench`: the workloads of ../shared/guide/WORKLOADS.md on the available backends.
// Prints a table and writes bench/results/latest.json. Speed is measured here, never in tests.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { type BenchRow, printTable, time } from './harness.js';
import { w1Matmul, w2Mlp, w3PerExample, w5Dispatch } from './workloads.js';

const rows: BenchRow[] = [];
const only = process.argv.slice(2);
const want = (id: string) => only.length === 0 || only.includes(id);

if (want('W1')) for (const n of [128, 256]) rows.push(w1Matmul(n, time));
let w2ms: number | undefined;
if (want('W2') || want('W3')) {
  const r = w2Mlp(time);
  w2ms = r.medianMs;
  rows.push(r);
}
if (want('W3')) rows.push(w3PerExample(time, w2ms));
if (want('W5')) rows.push(w5Dispatch(time));

printTable(rows);
mkdirSync('bench/results', { recursive: true });
const out = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, rows };
writeFileSync('bench/results/latest.json', JSON.stringify(out, null, 2) + '\n');
console.log('\nwrote bench/results/latest.json');
