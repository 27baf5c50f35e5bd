// 01 — grad basics: gradients, higher derivatives, forward mode and Hessian-vector products.
import { grad, hessian, jvp, tensor, valueAndGrad, type Tensor } from 'curvax';

const f = (x: Tensor) => x.sin().mul(x).sum(); // f(x) = Σ x·sin x

const x = tensor([0.5, 1.0, 2.0], { dtype: 'float64' });
const [value, g] = valueAndGrad(f)(x);
console.log('f(x)      =', value.item().toFixed(6));
console.log('∇f(x)     =', g.toArray()); // sin x + x cos x

// Second derivative of a scalar function by nesting grad.
const d2 = grad(grad((t: Tensor) => t.pow(3)))(tensor(2, { dtype: 'float64' }));
console.log("(x³)'' at 2 =", d2.item()); // 12

// Hessian-vector product without forming the Hessian: forward-over-reverse.
const v = tensor([1, 0, 0], { dtype: 'float64' });
const [, hv] = jvp(grad(f), [x], [v]);
console.log('H v       =', hv.toArray());
console.log('H[:, 0]   =', hessian(f)(x).slice([0, 0], [3, 1]).reshape([3]).toArray());
