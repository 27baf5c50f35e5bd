/**
 * The primitive registry: importing it registers every primitive.
 * A test walks `PRIMITIVES` to check each has its JVP and batching rules, and that the
 * linear ones have transpose rules.
 * @module
 */
import { absP } from './abs.js';
import { addP } from './add.js';
import { argmaxP } from './argmax.js';
import { broadcastInDimP } from './broadcast-in-dim.js';
import { castP } from './cast.js';
import { choleskyP } from './cholesky.js';
import { andP, eqP, geP, gtP, leP, ltP, neP, orP } from './compare.js';
import { concatenateP } from './concatenate.js';
import { convGeneralDilatedP } from './conv-general-dilated.js';
import { cosP } from './cos.js';
import { divP } from './div.js';
import { dotGeneralP } from './dot-general.js';
import { eighP } from './eigh.js';
import { expP } from './exp.js';
import { expm1P } from './expm1.js';
import { floorP } from './floor.js';
import { fusedElementwiseP } from './fused-elementwise.js';
import { iotaP } from './iota.js';
import { logP } from './log.js';
import { log1pP } from './log1p.js';
import { logisticP } from './logistic.js';
import { maxP, minP } from './max.js';
import { mulP } from './mul.js';
import { negP } from './neg.js';
import { notP } from './not.js';
import { padP } from './pad.js';
import { powP } from './pow.js';
import { randomBitsP } from './random-bits.js';
import { reduceMaxP, reduceMinP } from './reduce-max.js';
import { reduceSumP } from './reduce-sum.js';
import { reshapeP } from './reshape.js';
import { scatterAddP } from './scatter-add.js';
import { selectP } from './select.js';
import { signP } from './sign.js';
import { sinP } from './sin.js';
import { sliceP } from './slice.js';
import { softplusP } from './softplus.js';
import { sqrtP } from './sqrt.js';
import { stopGradientP } from './stop-gradient.js';
import { subP } from './sub.js';
import { takeP } from './take.js';
import { tanhP } from './tanh.js';
import { transposeP } from './transpose.js';
import { triangularSolveP } from './triangular-solve.js';

/** @internal Every primitive, by name. */
export const PRIMITIVES = {
  neg: negP, exp: expP, log: logP, log1p: log1pP, expm1: expm1P, tanh: tanhP, logistic: logisticP, softplus: softplusP, sqrt: sqrtP,
  abs: absP, sign: signP, floor: floorP, sin: sinP, cos: cosP, not: notP,
  add: addP, sub: subP, mul: mulP, div: divP, pow: powP, max: maxP, min: minP,
  eq: eqP, ne: neP, lt: ltP, le: leP, gt: gtP, ge: geP, and: andP, or: orP,
  select: selectP, cast: castP, stop_gradient: stopGradientP,
  reduce_sum: reduceSumP, reduce_max: reduceMaxP, reduce_min: reduceMinP, argmax: argmaxP,
  reshape: reshapeP, transpose: transposeP, broadcast_in_dim: broadcastInDimP, slice: sliceP, pad: padP,
  concatenate: concatenateP, take: takeP, scatter_add: scatterAddP, dot_general: dotGeneralP,
  iota: iotaP, random_bits: randomBitsP, fused_elementwise: fusedElementwiseP,
  cholesky: choleskyP, triangular_solve: triangularSolveP, eigh: eighP,
  conv_general_dilated: convGeneralDilatedP,
} as const;

/** @internal Names of all primitives. */
export type PrimitiveName = keyof typeof PRIMITIVES;

/** @internal Primitives that are linear in (some of) their arguments and must have a transpose rule. */
export const LINEAR_PRIMITIVES: readonly PrimitiveName[] = [
  'neg', 'add', 'sub', 'mul', 'div', 'select', 'cast', 'reduce_sum', 'reshape', 'transpose', 'broadcast_in_dim',
  'slice', 'pad', 'concatenate', 'take', 'scatter_add', 'dot_general', 'fused_elementwise',
  'triangular_solve', 'conv_general_dilated',
];
