// `using` works with curvax tensors where the consumer's lib has explicit resource management.
import { tensor } from 'curvax';

{
  using t = tensor([1, 2, 3]);
  t.sum();
}
export const d: Disposable = tensor(1);
