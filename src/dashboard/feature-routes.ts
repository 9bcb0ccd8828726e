/**
 * One feature's detail, its agent's log and its best-of-N attempts with their diffs included:
 * `/api/features/:id`. The files read are only those `readFeatureDetail` derives from the plan and the
 * run, and the diffs only those `readAttemptViews` computes from branches Baton names, never a path or
 * ref the request names.
 */
import { Hono } from 'hono';
import { sendJson } from './api-routes.js';
import { readAttemptViews } from './attempt-view.js';
import type { BoardState } from './board-state.js';
import { clipSent } from './clip.js';
import { readFeatureDetail } from './feature-detail.js';

/** Routes `/api/features/:id`; `root` is the checkout that contract and agent-log paths are relative to. */
export function featureRoutes(state: BoardState, root: string): Hono {
  const routes = new Hono();
  routes.get('/api/features/:id', async (c) => {
    c.header('Cache-Control', 'no-store');
    const id = c.req.param('id');
    const found = state.lookupFeature(id);
    if (!found) return sendJson(c, { error: `no feature "${id}" in the plan or the log` }, 404);
    const detail = readFeatureDetail({ root, ...found });
    const attempts = await readAttemptViews({
      root,
      feature: found.feature,
      bases: found.attemptBases,
      runBase: found.runBase,
      runs: found.attemptRuns,
      times: found.attemptTimes,
    });
    // Text from the log and the agents' logs is clipped; the contract (the user's own file) and the
    // diffs (Baton's own git diff) are already cut to their documented sizes.
    const { contract, ...fromLog } = detail;
    return sendJson(c, {
      ...clipSent(fromLog),
      contract,
      attempts: attempts.map(({ diff, ...rest }) => ({ ...clipSent(rest), diff })),
    });
  });
  return routes;
}
