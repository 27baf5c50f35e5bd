// Plain Node ESM in the consumer project: imports the installed package by name, then runs the
// compiled consumer modules (README quickstart, every subpath, a curvax/testing property test).
// Prints one JSON line for the test to read.
import { backendName, setBackend, tensor } from 'curvax';

let gpujsError = '';
try {
  setBackend('gpujs', { mode: 'cpu' }); // gpu.js is an optional peer, not installed here
} catch (e) {
  gpujsError = `${e.name}: ${e.message}`;
}
const out = {
  backend: backendName(),
  sum: tensor([1, 2, 3]).sum().item(),
  gpujsError,
  api: (await import('./build/api.js')).result,
  quickstart: (await import('./build/quickstart.js')).result,
  identity: (await import('./build/identity.js')).result,
};
console.log(JSON.stringify(out));
