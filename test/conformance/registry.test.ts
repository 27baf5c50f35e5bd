/**
 * The primitive registry is complete: every primitive has its JVP and batching rules (and
 * a shape rule and an implementation), and every linear primitive has a transpose rule.
 */
import { describe, expect, it } from 'vitest';
import { LINEAR_PRIMITIVES, PRIMITIVES, type PrimitiveName } from '../../src/core/primitives/index.js';

const entries = Object.entries(PRIMITIVES) as [PrimitiveName, (typeof PRIMITIVES)[PrimitiveName]][];

describe('primitive registry', () => {
  it('is not empty and every entry is registered under its own name', () => {
    expect(entries.length).toBeGreaterThan(30);
    for (const [key, p] of entries) expect(p.name, key).toBe(key);
  });

  it.each(entries)('%s has abstractEval, impl, jvp and batch rules', (_name, p) => {
    expect(typeof p.abstractEval).toBe('function');
    expect(typeof p.impl).toBe('function');
    expect(typeof p.jvp).toBe('function');
    expect(typeof p.batch).toBe('function');
  });

  it.each(LINEAR_PRIMITIVES.map((n) => [n] as const))('linear primitive %s is registered and has a transpose rule', (name) => {
    const p = PRIMITIVES[name];
    expect(p, name).toBeDefined();
    expect(typeof p.transpose, name).toBe('function');
  });

  it('every primitive with a transpose rule is listed in LINEAR_PRIMITIVES', () => {
    const withTranspose = entries.filter(([, p]) => typeof (p as { transpose?: unknown }).transpose === 'function').map(([n]) => n);
    expect(withTranspose.filter((n) => !LINEAR_PRIMITIVES.includes(n))).toEqual([]);
  });

  it('LINEAR_PRIMITIVES has no duplicates', () => {
    expect(new Set(LINEAR_PRIMITIVES).size).toBe(LINEAR_PRIMITIVES.length);
  });
});
