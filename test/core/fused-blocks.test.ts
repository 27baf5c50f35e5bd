// Fused elementwise loops over rows and columns (src/backend/js/fused.ts): inputs that broadcast
// as a trailing block (a bias [n] over [m, n]) or a leading block ([m, 1] over [m, n]) are read
// by a rows × columns loop; results equal eager evaluation (one kernel per op) bit for bit, in
// both float dtypes, for shapes whose column counts are and are not multiples of the unrolling.
import { describe, expect, it } from 'vitest';
import { jit, random, type Tensor } from '../../src/index.js';
import { fusedSources } from '../../src/backend/js/fused.js';

const bits = (t: Tensor) => { const a = t.toTypedArray(); return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); };

describe('fused rows × columns loops', () => {
  const cases: [string, number[], number[], number[]][] = [
    ['bias row', [5, 7], [7], [1]],
    ['column scale', [5, 7], [5, 1], [1]],
    ['row and column', [6, 8], [8], [6, 1]],
    ['3-d row', [3, 4, 8], [4, 8], [1, 1]],
    ['3-d column', [3, 4, 9], [3, 4, 1], [1, 1, 1]],
    ['two row lengths: general path', [3, 4, 8], [4, 8], [8]],
    ['row and column of one length', [4, 4], [4], [4, 1]],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    it.each(cases)(`%s (${dtype})`, (_name, sx, sb, sc) => {
      const x = random.normal(random.key(1), sx, { dtype }), b = random.normal(random.key(2), sb, { dtype }), c = random.normal(random.key(3), sc, { dtype }).add(2);
      expect(x.dtype).toBe(dtype);
      const f = (x: Tensor, b: Tensor, c: Tensor) => x.add(b).mul(c).sub(b.div(c)).maximum(x.mul(0.5));
      const g = jit(f);
      expect(g.lower(x, b, c).fusedGroups).toBe(1);
      expect(bits(g(x, b, c))).toEqual(bits(f(x, b, c)));
    });
  }

  it('generates a per-row loop reading rows at the column index and hoisting columns', () => {
    const p = { inputs: ['float32', 'float32', 'float32'], literals: [], ops: [{ op: 'add', args: [0, 1], dtype: 'float32' }, { op: 'mul', args: [3, 2], dtype: 'float32' }], outputs: [4], key: 't' } as const;
    const [src] = fusedSources(p as never, ['f', 'r', 'c'], false).sources;
    expect(src).toContain('for (let q = 0; q < rows; q++)');
    expect(src).toContain('const w2 = x2[q];');
    expect(src).toContain('const v1_1 = x1[k + 1];');
  });
});
