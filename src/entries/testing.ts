/**
 * `curvax/testing`: the test kit (`checkGrads`, `checkBatching`, identity checkers, fast-check arbitraries, `allClose`).
 *
 * fast-check is a peer dependency (npm 7+ installs it with curvax). Importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import fc from 'fast-check';
 * import { checkGrads, tensorArb } from 'curvax/testing';
 * import { log } from 'curvax';
 * fc.assert(fc.property(tensorArb({ domain: 'positive' }), (x) => checkGrads(log, [x], { order: 2 })));
 * ```
 * @module
 */
import '../index.js';
export * from '../testing/index.js';
