// setBackend('gpujs', { mode }): the one-line switch. Each path: created synchronously (Node
// require, or a module passed in), reused after initGpujs, and the errors when gpu.js cannot be
// loaded synchronously or is missing. This file must run in its own module graph (vitest
// isolates files): the first tests need a loader that has not loaded gpu.js yet.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, ValueError, backendName, setBackend, tensor } from '../../src/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { disposeGpujs, initGpujs } from '../../src/backend/gpujs/index.js';
import { thrown } from '../helpers.js';

const gpujsInstalled = await import(/* @vite-ignore */ ['gpu', 'js'].join('.')).then(() => true, (e: Error) => {
  console.warn(`[gpujs] setBackend('gpujs', { mode }) success paths skipped: gpu.js is not installed (${e.message.split('\n')[0]})`);
  return false;
});
const glName = 'gl';
const glInstalled = await import(/* @vite-ignore */ glName).then(() => true, () => false);

type Proc = { getBuiltinModule?: ((id: string) => unknown) | undefined };
const realGetBuiltinModule = (process as Proc).getBuiltinModule;
/** Node >= 20.16: setBackend can require gpu.js synchronously. */
const syncRequire = typeof realGetBuiltinModule === 'function';
if (!syncRequire) console.warn(`[gpujs] the synchronous require path is not tested: process.getBuiltinModule is missing (Node ${process.version})`);
/** Replaces process.getBuiltinModule for one test (restored after each). */
const stubGetBuiltinModule = (v: unknown): void => {
  (process as Proc).getBuiltinModule = () => v;
};

afterEach(() => {
  (process as Proc).getBuiltinModule = realGetBuiltinModule;
  setBackend('js');
});
afterAll(async () => {
  await disposeGpujs();
});

describe("setBackend('gpujs') before gpu.js is loaded", () => {
  it('without a synchronous loader (browsers, Node < 20.16) it says to await initGpujs and how to install', () => {
    stubGetBuiltinModule(undefined);
    const before = backendName();
    const e = thrown(() => setBackend('gpujs', { mode: 'webasm' }));
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.message).toContain("`await initGpujs({ mode: 'webasm' })`");
    expect(e.message).toContain('npm install gpu.js@2.24.1');
    expect(e.message).toContain("setBackend('gpujs', { mode: 'webasm', gpujs: GPU })");
    // the bare name (not registered yet) takes the same path instead of "not available; registered backends: js, wasm."
    const bare = thrown(() => setBackend('gpujs'));
    expect(bare).toBeInstanceOf(BackendUnavailableError);
    expect(bare.message).toContain("`await initGpujs({ mode: 'gpu' })`");
    expect(backendName()).toBe(before);
  });

  it('when require finds no gpu.js it says how to install it', () => {
    const missing = Object.assign(new Error("Cannot find module 'gpu.js'"), { code: 'MODULE_NOT_FOUND' });
    stubGetBuiltinModule({
      createRequire: () => () => {
        throw missing;
      },
    });
    const e = thrown(() => setBackend('gpujs:cpu'));
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.message).toMatch(/^setBackend: the optional package 'gpu\.js' could not be loaded \(Cannot find module 'gpu\.js'\)\. Install it with `npm install gpu\.js@2\.24\.1`/);
  });
});

describe.skipIf(!gpujsInstalled || !syncRequire)("setBackend('gpujs', { mode }) with gpu.js installed", () => {
  it('creates the backend synchronously in Node (require) and computes like js', () => {
    const be = setBackend('gpujs', { mode: 'cpu' }) as ReturnType<typeof setBackend> & { kernelMode: string; mode: string };
    expect(backendName()).toBe('gpujs');
    expect(be.kernelMode).toBe('cpu');
    const got = tensor([0.5, 1, 2]).exp().mul(3).toArray() as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(3 * Math.exp([0.5, 1, 2][i]!), 5));
    expect(setBackend('gpujs:cpu')).toBe(be);
    expect(setBackend('gpujs')).toBe(be);
    expect(setBackend('gpujs', { mode: 'cpu' })).toBe(be);
  });

  it('an unregistered gpujs:<mode> name is created on demand', () => {
    const be = setBackend('gpujs:webasm') as ReturnType<typeof setBackend> & { kernelMode: string };
    expect(be.kernelMode).toBe('webasm');
    expect(tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
  });

  it('initGpujs returns the backend setBackend created, and vice versa; gpujs follows the latest', async () => {
    const cpu = setBackend('gpujs', { mode: 'cpu' });
    expect(await initGpujs({ mode: 'cpu' })).toBe(cpu);
    const wasm = setBackend('gpujs:webasm');
    expect(await initGpujs({ mode: 'webasm' })).toBe(wasm);
    expect(setBackend('gpujs', { mode: 'webasm' })).toBe(wasm);
    expect(setBackend('gpujs')).toBe(wasm);
    expect(setBackend('gpujs', { mode: 'cpu' })).toBe(cpu);
    expect(setBackend('gpujs')).toBe(cpu);
  });

  it('takes the gpu.js module as an option (bundles), even with no synchronous loader', async () => {
    await disposeGpujs('cpu');
    stubGetBuiltinModule(undefined);
    const mod = await import(/* @vite-ignore */ ['gpu', 'js'].join('.'));
    const be = setBackend('gpujs', { mode: 'cpu', gpujs: mod }) as ReturnType<typeof setBackend> & { kernelMode: string };
    expect(be.kernelMode).toBe('cpu');
    expect(() => setBackend('gpujs', { mode: 'webgl', gpujs: { nothing: true } })).toThrow(/^setBackend: the `gpujs` option must be the gpu\.js module/);
  });

  it('errors: a GL mode without GL, an unknown mode, a name/mode clash, still initialising, disposed', async () => {
    if (!glInstalled) {
      const e = thrown(() => setBackend('gpujs', { mode: 'webgl2' }));
      expect(e).toBeInstanceOf(BackendUnavailableError);
      expect(e.message).toMatch(/^setBackend: gpu\.js mode 'webgl2' is not available here\. .*npm install gl/);
    }
    expect(() => setBackend('gpujs', { mode: 'metal' as 'cpu' })).toThrow(/mode must be one of gpu, webgl2, webgl, headlessgl, webasm, cpu, got 'metal'/);
    expect(() => setBackend('gpujs:cpu', { mode: 'webasm' })).toThrow(ValueError);
    await disposeGpujs('cpu');
    const pending = initGpujs({ mode: 'cpu' });
    expect(() => setBackend('gpujs', { mode: 'cpu' })).toThrow(/still initialising; `await initGpujs\(\{ mode: 'cpu' \}\)`/);
    const be = await pending;
    expect(setBackend('gpujs', { mode: 'cpu' })).toBe(be);
    setBackend('js');
    await disposeGpujs('cpu');
    // a disposed registered name keeps saying so; asking for the mode makes a new backend
    expect(() => setBackend('gpujs:cpu')).toThrow(/disposed; call `await initGpujs\(\{ mode \}\)` again, or `setBackend\('gpujs', \{ mode \}\)`/);
    const again = setBackend('gpujs', { mode: 'cpu' });
    expect(again).not.toBe(be);
  });
});

describe("setBackend('js' | 'wasm') is unchanged", () => {
  it('switches, returns the backend, and rejects gpujs options', () => {
    expect(setBackend('js')).toBe(jsBackend);
    expect(backendName()).toBe('js');
    expect(setBackend('wasm').name).toBe('wasm');
    expect(setBackend('js', {}).name).toBe('js');
    expect(() => setBackend('wasm', { mode: 'cpu' })).toThrow(ValueError);
    const e = thrown(() => setBackend('metal'));
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.message).toMatch(/^setBackend: backend 'metal' is not available; registered backends: js, wasm/);
  });
});
