// A consumer of the packed tarball: every subpath entry, the one public tensor type, and an
// optimizer step. Type-checked with tsc --strict (nodenext, bundler, no DOM lib; TypeScript 5.9,
// 6 and 7), then compiled and run by plain Node.
import { grad, take, tensor, type Tensor } from 'curvax';
import { fisher } from 'curvax/curvature';
import { categorical } from 'curvax/likelihoods';
import { inverseSpd } from 'curvax/linalg';
import { adam, applyUpdates, chain, clipByGlobalNorm } from 'curvax/optim';
import { key, normal } from 'curvax/random';
import { ravel } from 'curvax/tree';
import { allClose } from 'curvax/testing';

// One tensor type: a record built by tensor() accepts the result of an op.
let d = { x: tensor([1, 2, 3]) };
d = { x: take(tensor([10, 20, 30]), tensor([2, 0], { dtype: 'int32' })) };

const w0: Tensor = normal(key(0), [3]);
const loss = (w: Tensor) => w.square().sum();
const opt = chain(clipByGlobalNorm(1), adam({ learningRate: 0.1 }));
const [updates] = opt.update(grad(loss)(w0), opt.init(w0), w0);
const w1 = applyUpdates(w0, updates);

export const result = {
  taken: d.x.toArray(),
  lossDecreased: loss(w1).item() < loss(w0).item(),
  raveled: ravel({ a: tensor([1, 2]), b: tensor(3) })[0].toArray(),
  inverse: inverseSpd(new Float64Array([4, 0, 0, 16]), 2).join(','),
  close: allClose(tensor([1, 2]), tensor([1, 2 + 1e-9])),
  entries: [typeof fisher, typeof categorical().logProb],
};
