// Global test setup: fixed fast-check seed so property tests never flake.
import fc from 'fast-check';

const seed = Number(process.env['FC_SEED'] ?? 20261125);
fc.configureGlobal({ seed, numRuns: Number(process.env['FC_RUNS'] ?? 25) });
