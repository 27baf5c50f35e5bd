/**
 * Host samplers of the `random` namespace beyond uniform/normal: gamma, beta, dirichlet, poisson,
 * truncated normal, multivariate normal. All draw from Threefry words on the host, so every backend
 * gets the same bits; all need concrete keys and parameters (not traceable by `jit`/`vmap`/`grad`).
 * @module
 */
export { gamma, beta, dirichlet } from './gamma.js';
export { poisson, type PoissonOptions } from './poisson.js';
export { truncatedNormal } from './truncated-normal.js';
export { multivariateNormal } from './multivariate-normal.js';
export type { SamplerOptions } from './options.js';
