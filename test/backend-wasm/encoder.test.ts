import { describe, expect, it } from 'vitest';
import { Code, encodeName, F32, F64, I32, ModuleBuilder, sleb, uleb, V128 } from '../../src/backend/wasm/encoder.js';
import { detectRelaxedSimd, simdSupported } from '../../src/backend/wasm/features.js';

const hex = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('LEB128', () => {
  it('encodes unsigned values (golden)', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => uleb(-1)).toThrow(RangeError);
  });
  it('encodes signed values (golden)', () => {
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(sleb(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });
  it('encodes names', () => {
    expect(encodeName('env')).toEqual([3, 0x65, 0x6e, 0x76]);
  });
});

describe('ModuleBuilder', () => {
  it('builds the canonical i32 add module byte for byte', () => {
    const mb = new ModuleBuilder();
    mb.export('add', mb.func([I32, I32], [I32], (c) => c.get(0).get(1).op('i32_add')));
    const bytes = mb.build();
    expect(hex(bytes)).toBe(
      '00 61 73 6d 01 00 00 00 ' + // magic, version
      '01 07 01 60 02 7f 7f 01 7f ' + // type section: (i32 i32) -> i32
      '03 02 01 00 ' + // function section
      '07 07 01 03 61 64 64 00 00 ' + // export "add" func 0
      '0a 09 01 07 00 20 00 20 01 6a 0b', // code: local.get 0, local.get 1, i32.add, end
    );
    expect(WebAssembly.validate(bytes)).toBe(true);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    expect((inst.exports['add'] as (a: number, b: number) => number)(2, 3)).toBe(5);
  });

  it('encodes a shared memory import with limits (golden)', () => {
    const mb = new ModuleBuilder().importMemory({ module: 'env', name: 'memory', initial: 1, maximum: 2, shared: true });
    mb.func([], [], () => undefined);
    const bytes = mb.build();
    expect(hex(bytes.slice(8 + 6, 8 + 6 + 18))).toBe('02 10 01 03 65 6e 76 06 6d 65 6d 6f 72 79 02 03 01 02');
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(() => new ModuleBuilder().importMemory({ module: 'env', name: 'm', initial: 1, shared: true })).toThrow();
  });

  it('groups locals by type and numbers them after the parameters', () => {
    const mb = new ModuleBuilder();
    const idx: number[] = [];
    mb.export('f', mb.func([I32], [F64], (c, local) => {
      idx.push(local(I32), local(I32), local(F64), local(I32));
      c.get(0).set(idx[0] as number).f64(2.5).set(idx[2] as number).get(idx[2] as number);
    }));
    expect(idx).toEqual([1, 2, 3, 4]);
    const bytes = mb.build();
    // code body starts with 3 local groups: 2×i32, 1×f64, 1×i32
    expect(hex(bytes)).toContain('03 02 7f 01 7c 01 7f');
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['f'] as (x: number) => number;
    expect(f(7)).toBe(2.5);
  });

  it('emits control flow: a loop summing 0..n-1 with block/loop/br_if and a typed if', () => {
    const mb = new ModuleBuilder();
    mb.export('sum', mb.func([I32], [I32], (c, local) => {
      const i = local(I32), s = local(I32);
      c.block(() => c.loop(() => {
        c.get(i).get(0).op('i32_ge_s').brIf(1);
        c.get(s).get(i).op('i32_add').set(s);
        c.get(i).i32(1).op('i32_add').set(i).br(0);
      }));
      c.get(s).i32(0).op('i32_lt_s').if(() => c.i32(-1), () => c.get(s), I32);
    }));
    const bytes = mb.build();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const sum = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['sum'] as (n: number) => number;
    expect(sum(0)).toBe(0);
    expect(sum(10)).toBe(45);
  });

  it('encodes f32/f64 constants and scalar ops', () => {
    const mb = new ModuleBuilder();
    mb.export('f', mb.func([F32], [F32], (c) => c.get(0).f32(1.5).op('f32_mul').op('f32_sqrt')));
    mb.export('g', mb.func([F64, F64], [F64], (c) => c.get(0).get(1).op('f64_max').f64(-0.25).op('f64_add')));
    const code = new Code().f32(1.5);
    expect(hex(code.bytes)).toBe('43 00 00 c0 3f');
    const ex = new WebAssembly.Instance(new WebAssembly.Module(mb.build())).exports as Record<string, (...a: number[]) => number>;
    expect(ex['f']?.(6)).toBe(3);
    expect(ex['g']?.(1, 2)).toBe(1.75);
  });

  it('encodes SIMD instructions with prefix, LEB sub-opcode and memarg (golden)', () => {
    expect(hex(new Code().simd('f32x4_add').bytes)).toBe('fd e4 01');
    expect(hex(new Code().simd('f64x2_mul').bytes)).toBe('fd f2 01');
    expect(hex(new Code().simd('f32x4_relaxed_madd').bytes)).toBe('fd 85 02');
    expect(hex(new Code().vmem('v128_load', 16).bytes)).toBe('fd 00 04 10');
    expect(hex(new Code().vmem('v128_load32_splat', 8).bytes)).toBe('fd 09 02 08');
    expect(hex(new Code().vmem('v128_store').bytes)).toBe('fd 0b 04 00');
    expect(hex(new Code().mem('f64_load', 300).bytes)).toBe('2b 03 ac 02');
  });

  it('runs a SIMD kernel against an imported memory', () => {
    expect(simdSupported()).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const mb = new ModuleBuilder().importMemory({ module: 'env', name: 'memory', initial: 1 });
    // out[0..3] = a[0..3] * b[0] + a[0..3]
    mb.export('k', mb.func([I32, I32, I32], [], (c, local) => {
      const v = local(V128);
      c.get(0).vmem('v128_load').set(v);
      c.get(2).get(v).get(1).vmem('v128_load32_splat').simd('f32x4_mul').get(v).simd('f32x4_add').vmem('v128_store');
    }));
    const k = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory } }).exports['k'] as (...a: number[]) => void;
    const f = new Float32Array(memory.buffer);
    f.set([1, 2, 3, 4], 0);
    f[8] = 10;
    k(0, 32, 64);
    expect(Array.from(f.subarray(16, 20))).toEqual([11, 22, 33, 44]);
  });

  it('detects relaxed SIMD and the fused multiply-add validates and runs', () => {
    const relaxed = detectRelaxedSimd(true);
    const mb = new ModuleBuilder();
    mb.export('f', mb.func([F32, F32, F32], [F32], (c) => c.get(0).simd('f32x4_splat').get(1).simd('f32x4_splat')
      .get(2).simd('f32x4_splat').simd('f32x4_relaxed_madd').lane('f32x4_extract_lane', 3)));
    const bytes = mb.build();
    expect(WebAssembly.validate(bytes)).toBe(relaxed);
    if (relaxed) {
      const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['f'] as (a: number, b: number, c: number) => number;
      expect(f(2, 3, 4)).toBe(10);
    }
  });
});
