/**
 * Choosing the active backend.
 * @module
 */
import { BackendUnavailableError } from '../errors.js';
import { backendFactory, getBackend, registeredBackends, setActiveBackend, type Backend } from './backend.js';

/**
 * Makes `name` the backend new tensors and kernels run on. Tensors already created stay on
 * their backend and are moved over when used.
 * @throws {BackendUnavailableError} when no backend of that name is available here.
 * @example
 * ```ts
 * setBackend('js');
 * ```
 */
export function setBackend(name: string): Backend {
  const f = backendFactory(name);
  if (f === undefined) {
    throw new BackendUnavailableError(`setBackend: backend '${name}' is not available; registered backends: ${registeredBackends().join(', ')}.`, {
      op: 'setBackend', argument: 'name', received: name,
    });
  }
  const b = f();
  setActiveBackend(b);
  return b;
}

/**
 * The name of the active backend.
 * @example
 * ```ts
 * backendName(); // 'js'
 * ```
 */
export function backendName(): string {
  return getBackend().name;
}
