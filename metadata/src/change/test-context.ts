import type { PlanContext } from './plan-change.ts';

/** Deterministic ids for planner tests. */
export function testContext(): PlanContext {
  let n = 0;
  return { newId: (prefix) => `${prefix}${String(++n).padStart(10, '0')}`, now: '2025-06-01T08:00:00.000Z', author: 'test' };
}
