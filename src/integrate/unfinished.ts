/**
 * The last integration when it is not finished and no `baton integrate` is working on it (pure): its
 * Baton was killed before recording its end (kill -9, a crash, the machine), or it was interrupted
 * (Ctrl-C, SIGTERM, a closed terminal). `status` and `doctor` say so with the one command that goes
 * on with it (`continueCommand`), since its rows alone read `merge.clean` or `feature.ended`.
 */
import type { BatonState } from '../log/state.js';
import { continueCommand, TEST_FROM_LOG } from './continue-command.js';

/** An integration `baton integrate --continue` goes on with. */
export interface UnfinishedIntegration {
  /** `killed`: it never recorded its end; `interrupted`: it recorded that it was stopped. */
  how: 'killed' | 'interrupted';
  /** The features it merged so far, in merge order. */
  merged: string[];
  order: string[];
  /** The `--continue` with the test command it began with and the branch it was asked to move. */
  command: string;
  /** The test command was read from the log (anyone's to write): the user should read it first. */
  testFromLog: boolean;
}

/** The last integration when it is unfinished and `integrateLive` is false (no live Baton holds its lock). */
export function unfinishedIntegration(
  integration: BatonState['integration'],
  integrateLive: boolean,
): UnfinishedIntegration | undefined {
  if (integrateLive || integration.started_at === undefined) return undefined;
  const how = integration.open ? 'killed' : integration.outcome === 'interrupted' ? 'interrupted' : undefined;
  if (how === undefined) return undefined;
  const merged = [
    ...new Set(integration.merges.filter((m) => m.outcome === 'clean').map((m) => m.feature_id)),
  ];
  return {
    how,
    merged,
    order: [...integration.order],
    command: continueCommand({ test: integration.test, into: integration.asked_into }),
    testFromLog: integration.test !== undefined,
  };
}

/**
 * What `status` and `doctor` say of it: what happened and what it merged, and how to go on (the
 * `--continue`, or starting over); `status` prints `<what>: go on with <goOn>`.
 */
export function describeUnfinished(u: UnfinishedIntegration): { what: string; goOn: string } {
  const how =
    u.how === 'killed'
      ? 'the last integration never recorded its end (its `baton integrate` was killed)'
      : 'the last integration was interrupted';
  const list = u.merged.length > 0 ? ` (${u.merged.join(', ')})` : '';
  return {
    what: `${how}, merged ${u.merged.length} of ${u.order.length}${list}`,
    goOn: `\`${u.command}\`${u.testFromLog ? TEST_FROM_LOG : ''}, or start over with \`baton integrate --fresh\``,
  };
}
