import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectRelaxedSimd, sharedMemorySupported } from '../../src/backend/wasm/index.js';

// Node 20 validates relaxed SIMD only behind a flag that enableWasmRelaxedSimd switches on; where the
// engine ships it (Node ≥ 22) the default kernels already use it and the opt-in changes nothing.
const behindFlag = !detectRelaxedSimd(false);

describe.runIf(behindFlag && sharedMemorySupported())('enableWasmRelaxedSimd (own process: the V8 flag is process-wide)', () => {
  it('switches to the FMA kernels with tensors alive: accurate, jit = eager, threads restart', () => {
    const fixture = fileURLToPath(new URL('./fixtures/relaxed-opt-in.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', fixture], { timeout: 60_000, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, number | boolean>;
    expect(r['wasRelaxed']).toBe(false);
    expect(r['on']).toBe(true);
    expect(r['again']).toBe(true);
    expect(r['relaxed']).toBe(true);
    expect(r['worst'] as number).toBeLessThanOrEqual(1); // within (k + 2) float32 roundings of the float64 sum
    expect(r['changed'] as number).toBeGreaterThan(0); // fused multiply-add rounds differently: the kernels did change
    expect(r['jitSame']).toBe(true);
    expect(r['threads']).toBe(2);
  });
});
