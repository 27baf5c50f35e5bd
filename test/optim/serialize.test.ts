// saveState / loadState: safetensors layout and bit-exact round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueError, tensor, tree, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const bits = (t: Tensor) => Array.from(new Uint8Array(t.toTypedArray().buffer.slice(0)));
function sameTree(a: tree.Tree<Tensor>, b: tree.Tree<Tensor>): boolean {
  const [la, da] = tree.flatten(a), [lb, db] = tree.flatten(b);
  return da.equals(db) && la.every((x, i) => x.dtype === lb[i]!.dtype && x.shape.join() === lb[i]!.shape.join() && bits(x).join() === bits(lb[i]!).join());
}

describe('saveState / loadState (safetensors)', () => {
  it('writes the safetensors layout: u64le header length, JSON header, 8-byte alignment', () => {
    const bytes = optim.saveState({ a: tensor([1, 2], { dtype: 'float32' }), b: [tensor(3, { dtype: 'int32' })] });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header['b/0']).toEqual({ dtype: 'I32', shape: [], data_offsets: [8, 12] });
    expect(bytes.length).toBe(8 + n + 12);
  });
  it('round-trips optimizer states bit-exactly (structure, shapes, dtypes, NaN payloads, −0)', () => {
    const p = { w: tensor([[1, -0], [NaN, Infinity]], { dtype: 'float64' }), 'odd/key~': [tensor([5e-324, -1], { dtype: 'float64' })], flag: tensor([true, false]), none: null };
    for (const opt of [optim.adam({ learningRate: 0.1 }), optim.fadam({ learningRate: 0.1 }), optim.applyIfFinite(optim.sgd({ learningRate: 0.1, momentum: 0.9 }))] as optim.GradientTransformation<any>[]) {
      const floats = { w: p.w, 'odd/key~': p['odd/key~'] };
      const [, s] = opt.update(floats, opt.init(floats), floats);
      expect(sameTree(optim.loadState(optim.saveState(s)), s)).toBe(true);
    }
    expect(sameTree(optim.loadState(optim.saveState(p)), p)).toBe(true);
    const nan = new Float32Array([0]); new Uint32Array(nan.buffer)[0] = 0x7fc12345; // a NaN with a payload
    const t = tensor(nan);
    expect(bits((optim.loadState(optim.saveState([t])) as Tensor[])[0]!)).toEqual(bits(t));
  });
  it('round-trips random float32/float64/int32 trees (fast-check)', () => {
    fc.assert(fc.property(fc.array(fc.double()), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), fc.array(fc.float()), (d, i, f) => {
      const t = { d: tensor(Float64Array.from(d)), rest: [tensor(Int32Array.from(i)), { f: tensor(Float32Array.from(f)) }, undefined] };
      return sameTree(optim.loadState(optim.saveState(t)), t);
    }), { seed: 9, numRuns: 40 });
  });
  it('loads plain safetensors files (no curvax metadata) as a flat object, and rejects garbage', () => {
    const header = new TextEncoder().encode(JSON.stringify({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }));
    const bytes = new Uint8Array(8 + header.length + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    new DataView(bytes.buffer).setFloat64(8 + header.length, 2.5, true);
    expect((optim.loadState(bytes) as { x: Tensor }).x.toArray()).toEqual([2.5]);
    expect(() => optim.loadState(new Uint8Array(3))).toThrow(ValueError);
    expect(() => optim.loadState(bytes.subarray(0, 12))).toThrow(ValueError);
    expect(() => optim.saveState({ a: 3 as unknown as Tensor })).toThrow(ValueError);
  });
});
