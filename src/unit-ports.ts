/**
 * Which port block each unit of work gets (pure): the one rule behind `PORT` for a run's features and
 * best-of-N attempts, their checks in `baton verify` and after integration, and the integration's test
 * command. Blocks follow the plan's order from `port_base`: every feature's, then every attempt's.
 */
import { parseAttemptUnitId } from './contracts/feature-id.js';
import { MAX_ATTEMPTS } from './contracts/schema.js';
import type { Plan } from './graph/types.js';
import { type PortBlock, portBlockFor } from './ports.js';

/** Port blocks of attempts come after every feature's: index = features + feature index × max + attempt − 1. */
export function unitPortIndex(plan: Plan, unitId: string, maxAttempts: number): number {
  const parsed = parseAttemptUnitId(unitId);
  if (!parsed) return Math.max(0, plan.order.indexOf(unitId));
  return plan.order.length + plan.order.indexOf(parsed.featureId) * maxAttempts + parsed.attempt - 1;
}

/** The port block of a feature or attempt (`<id>.a<n>`). */
export function unitPortBlock(plan: Plan, unitId: string, portBase: number): PortBlock {
  return portBlockFor(unitPortIndex(plan, unitId, MAX_ATTEMPTS), portBase);
}

/**
 * The port block of the integration's test command: the one after every feature's. It is also the
 * first attempt's of the first feature, whose servers never run beside it (a run and `baton integrate`
 * hold one lock, and what a check leaves running is stopped); after every attempt's, it would pass
 * 65535 from a `port_base` a run allows, with as few as six features.
 */
export function integrationPortBlock(plan: Plan, portBase: number): PortBlock {
  return portBlockFor(plan.order.length, portBase);
}
