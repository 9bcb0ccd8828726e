import { describe, expect, it } from 'vitest';
import { attemptRows } from '../../src/cli/feature-rows.js';
import { showsTrustDialog, withTrustedFolder } from '../../src/interactive/claude-trust.js';
import { showsCodexTrustDialog, withCodexTrust } from '../../src/interactive/codex-trust.js';
import { observeSessionEvent, shouldFinish } from '../../src/interactive/finish.js';
import { windowExit } from '../../src/interactive/follow.js';
import {
  answersTo,
  featureWindow,
  firstNeedingInput,
  interventionText,
  missingAttemptError,
} from '../../src/interactive/target.js';
import { sessionName } from '../../src/interactive/tmux.js';
import { openWindow } from '../../src/interactive/window.js';
import type { BatonEvent, LogEvent, NewEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { checkLogValue } from '../../src/log/parse-event.js';
import { countInterventions } from '../../src/metrics/interventions.js';
import { palette } from '../../src/terminal/style.js';
import { attemptStarted } from '../metrics/log-builder.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ev = (s: number, e: NewEvent): LogEvent => ({ v: 1, ts: at(s), ...e }) as BatonEvent;
const F = 'feature-001-a';
const started = (s: number) =>
  ev(s, {
    type: 'feature.started',
    feature_id: F,
    status: 'running',
    agent: 'claude',
    branch: `baton/${F}`,
    worktree: '/w',
    log_file: '/l',
    port: 41000,
    run_id: 'r1',
  });
/** Run r1's `run.started` of feature F, at second 0. */
const runStart = (concurrency = 1) =>
  ev(0, {
    type: 'run.started',
    run_id: 'r1',
    feature_ids: [F],
    concurrency,
    base: 'HEAD',
    base_commit: 'abc',
    mode: 'contract-first',
    pid: 1,
  });
const needsInput = (s: number) =>
  ev(s, {
    type: 'hook',
    feature_id: F,
    event: 'notification',
    status: 'needs-input',
    detail: 'Claude needs your permission to use Write',
  });

describe('needs-input in the fold', () => {
  it('goes to needs-input with the agent message, and back to running on the next hook', () => {
    const asked = foldEvents([started(0), needsInput(1)]).features[F];
    expect(asked?.status).toBe('needs-input');
    expect(asked?.last_event?.detail).toBe('Claude needs your permission to use Write');
    const carried = foldEvents([
      started(0),
      needsInput(1),
      ev(2, { type: 'hook', feature_id: F, event: 'post-tool-use' }),
    ]);
    expect(carried.features[F]?.status).toBe('running');
  });

  it('goes back to running when the conductor sends an answer', () => {
    const s = foldEvents([
      started(0),
      needsInput(1),
      ev(2, { type: 'user.intervention', feature_id: F, action: 'send', text: '1' }),
    ]);
    expect(s.features[F]?.status).toBe('running');
    expect(s.features[F]?.last_event).toMatchObject({ type: 'user.intervention', detail: '1' });
  });

  it('reports a user.intervention line of the wrong shape as a problem', () => {
    const bad = { v: 1, ts: at(2), type: 'user.intervention', feature_id: F, action: 'shout' };
    expect(checkLogValue(bad)).toHaveProperty('problem');
    expect(checkLogValue({ ...bad, action: 'send', text: '1' })).toHaveProperty('event');
  });
});

describe('when an interactive session is finished', () => {
  const table: Array<
    [string, Array<{ event: string; status?: 'needs-input' } | 'send' | 'attach'>, number, boolean]
  > = [
    ['no stop hook yet', [{ event: 'post-tool-use' }], 0, false],
    ['stopped, no wait asked', [{ event: 'stop' }], 0, true],
    ['stopped, within the quiet period', [{ event: 'stop' }], 5000, false],
    [
      'stopped then asked for input',
      [{ event: 'stop' }, { event: 'notification', status: 'needs-input' }],
      0,
      false,
    ],
    ['stopped, then the conductor typed more', [{ event: 'stop' }, 'send'], 0, false],
    ['stopped, then the conductor attached to look', [{ event: 'stop' }, 'attach'], 0, true],
    [
      'stopped, then attached, within the quiet period counted from the attach',
      [{ event: 'stop' }, 'attach'],
      1500,
      false,
    ],
    ['attached before any stop hook', ['attach'], 0, false],
    ['codex turn complete', [{ event: 'agent-turn-complete' }], 0, true],
  ];
  it.each(table)('%s', (_name, steps, autoFinishMs, expected) => {
    let w = { waiting: false } as ReturnType<typeof observeSessionEvent>;
    // Each step a second after the one before; the check a second after the last.
    steps.forEach((step, i) => {
      const e: LogEvent =
        step === 'send'
          ? ev(0, { type: 'user.intervention', feature_id: F, action: 'send', text: 'more' })
          : step === 'attach'
            ? ev(0, { type: 'user.intervention', feature_id: F, action: 'attach' })
            : ev(0, { type: 'hook', feature_id: F, ...step });
      w = observeSessionEvent(w, e, 1000 * (i + 1));
    });
    expect(shouldFinish(w, 1000 * (steps.length + 1), autoFinishMs)).toBe(expected);
  });
});

describe('interventions per feature', () => {
  it('counts interventions and the time spent waiting for the conductor', () => {
    const events = [
      started(0),
      needsInput(10),
      ev(14, { type: 'user.intervention', feature_id: F, action: 'send', text: '1' }),
      ev(15, { type: 'hook', feature_id: F, event: 'post-tool-use' }),
      needsInput(20),
      ev(21, { type: 'user.intervention', feature_id: F, action: 'attach' }),
      ev(30, { type: 'feature.ended', feature_id: F, status: 'complete' }),
    ];
    expect(countInterventions(events)).toEqual([
      { feature_id: F, interventions: 2, waits: 2, waiting_ms: 5000 },
    ]);
  });

  it('keeps a request written before feature.started, with its message; a retry or another queue attempt ends it', () => {
    // The hook can run while the runner still opens the agent's window: its line comes first.
    const early = foldEvents([needsInput(0), started(1)]).features[F];
    expect(early?.status).toBe('needs-input');
    expect(early?.last_event).toMatchObject({
      type: 'hook notification',
      detail: 'Claude needs your permission to use Write',
    });
    const retrying = ev(2, {
      type: 'agent.retrying',
      feature_id: F,
      reason: 'failed',
      exit_code: 1,
      retry: 1,
      of: 1,
      delay_ms: 0,
    });
    expect(foldEvents([started(0), needsInput(1), retrying, started(3)]).features[F]?.status).toBe('running');
    const job = (s: number, attempt: number) =>
      ev(s, { type: 'queue.job', feature_id: F, job_id: 'j1', state: 'active', attempt });
    const requeued = foldEvents([job(0, 1), needsInput(1), job(2, 2)]).features[F];
    expect(requeued?.status).toBe('running');
    // The same attempt's job line does not end it.
    expect(foldEvents([job(0, 1), needsInput(1), job(2, 1)]).features[F]?.status).toBe('needs-input');
    // The wait ends at the retry too.
    expect(countInterventions([started(0), needsInput(1), retrying, started(3)])).toEqual([
      { feature_id: F, interventions: 0, waits: 1, waiting_ms: 1000 },
    ]);
  });

  it('leaves out features nobody had to step into, and counts an open wait up to the last event', () => {
    expect(countInterventions([started(0)])).toEqual([]);
    expect(
      countInterventions([
        started(0),
        needsInput(1),
        ev(4, { type: 'phase.ended', phase: 'implementation' }),
      ]),
    ).toEqual([{ feature_id: F, interventions: 0, waits: 1, waiting_ms: 3000 }]);
  });
});

describe('windows, trust and typed text', () => {
  it('names the run session and the feature window from the log', () => {
    const s = foldEvents([runStart(), started(1), needsInput(2)]);
    expect(featureWindow(s, F)).toEqual({ featureId: F, session: 'baton-r1', target: `=baton-r1:=${F}` });
    expect(firstNeedingInput(s)).toBe(F);
    expect(() => featureWindow(s, 'feature-009-nope')).toThrow(
      `no run has started feature "feature-009-nope"; known ids: ${F}`,
    );
    expect(sessionName('2026.01:x')).toBe('baton-2026-01-x');
  });

  it('takes a name every object holds (constructor, toString) as an unknown id, not as a feature', () => {
    const s = foldEvents([runStart(), started(1)]);
    for (const id of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => featureWindow(s, id)).toThrow(`no run has started feature "${id}"; known ids: ${F}`);
    }
  });

  it('reaches best-of-N attempts: an attempt id by its own window, a feature id by its attempts, waiting attempts first asked', () => {
    const unitStarted = (s: number, n: number) =>
      ev(s, { ...(started(s) as BatonEvent), feature_id: `${F}.a${n}` } as NewEvent);
    const asks = (s: number, n: number) =>
      ev(s, { ...(needsInput(s) as BatonEvent), feature_id: `${F}.a${n}` } as NewEvent);
    const s = foldEvents([
      runStart(2),
      ev(1, attemptStarted('r1', F, 1)),
      ev(1, attemptStarted('r1', F, 2)),
      unitStarted(2, 1),
      unitStarted(2, 2),
      asks(3, 2),
    ]);
    expect(featureWindow(s, `${F}.a2`)).toEqual({
      featureId: `${F}.a2`,
      session: 'baton-r1',
      target: `=baton-r1:=${F}.a2`,
    });
    expect(firstNeedingInput(s)).toBe(`${F}.a2`);
    // An attempt its feature does not have names the ones it has, for send, attach and stop alike.
    expect(() => featureWindow(s, `${F}.a3`)).toThrow(
      `no attempt 3 of feature ${F}: its attempts are ${F}.a1, ${F}.a2`,
    );
    expect(missingAttemptError(s, `${F}.a3`, [F])?.code).toBe('interactive/unknown-attempt');
    expect(missingAttemptError(s, `${F}.a3`, [])).toBeUndefined();
    expect(missingAttemptError(s, `${F}.a1`, [F])).toBeUndefined();
    expect(missingAttemptError(s, F, [F])).toBeUndefined();
    expect(missingAttemptError(s, 'feature-002-b.a1', ['feature-002-b'])?.message).toBe(
      'no attempt 1 of feature feature-002-b: the last run started no best-of-N attempts of it',
    );
    expect(() => featureWindow(s, 'feature-009-nope.a1')).toThrow(
      'no run has started attempt 1 of feature "feature-009-nope"; known ids:',
    );
    // Which agents an id the user gives names: an attempt's its own, a feature's its own and its attempts'.
    expect(answersTo(F, F)).toBe(true);
    expect(answersTo(F, `${F}.a1`)).toBe(true);
    expect(answersTo(`${F}.a1`, `${F}.a1`)).toBe(true);
    expect(answersTo(`${F}.a1`, `${F}.a2`)).toBe(false);
    expect(answersTo(`${F}.a1`, F)).toBe(false);
    expect(answersTo('feature-001', `${F}.a1`)).toBe(false);
    // `baton status` shows the waiting attempt as waiting, with what it asked; the other as running.
    const f = s.features[F];
    if (!f) throw new Error('the feature was not folded');
    const rows = attemptRows(f, palette(false), Date.parse(at(4)), s);
    expect(rows.map((r) => [r[1], r[7]])).toEqual([
      ['running', '—'],
      ['needs-input', 'Claude needs your permission to use Write'],
    ]);
  });

  it('names an attempt as an attempt of its feature when it has no window', async () => {
    const s = foldEvents([
      runStart(),
      ev(1, { ...(started(1) as BatonEvent), feature_id: `${F}.a2` } as NewEvent),
    ]);
    // A tmux socket no server listens on: listing its windows starts none, and finds none.
    const socket = `baton-none-${process.pid}`;
    const env = { ...process.env, BATON_TMUX_SOCKET: socket };
    const run = { logPath: '/nowhere/log.jsonl', interactive: true, tmuxSocket: socket };
    await expect(openWindow(s, `${F}.a2`, env, run)).rejects.toThrow(
      `attempt 2 of feature ${F} has no tmux window open (=baton-r1:=${F}.a2)`,
    );
  });

  it('records trust for one folder and keeps everything else', () => {
    const before = { hasCompletedOnboarding: true, projects: { '/a': { allowedTools: ['x'] } } };
    expect(withTrustedFolder(before, '/a')).toEqual({
      hasCompletedOnboarding: true,
      projects: { '/a': { allowedTools: ['x'], hasTrustDialogAccepted: true } },
    });
    expect(withTrustedFolder({}, '/b')).toEqual({ projects: { '/b': { hasTrustDialogAccepted: true } } });
    expect(showsTrustDialog('Do you trust the files in this folder?')).toBe(true);
    expect(showsTrustDialog('> write hello.md')).toBe(false);
  });

  it("trusts a worktree in Codex's config by appending its table, the user's text kept as it is", () => {
    const user = '# mine\ntemperature = 1.0\n[projects."/main"]\ntrust_level = "untrusted"\n';
    const trusted = withCodexTrust(user, '/wt/a "b".c');
    expect(trusted).toBe(`${user}\n[projects."/wt/a \\"b\\".c"]\ntrust_level = "trusted"\n`);
    expect(withCodexTrust(trusted ?? '', '/wt/a "b".c')).toBe(trusted);
    expect(withCodexTrust('', '/wt')).toBe('\n[projects."/wt"]\ntrust_level = "trusted"\n');
    // A table cannot be added to an inline one (nor to a file that is not TOML): nothing is written.
    expect(withCodexTrust('projects = { "/main" = { trust_level = "trusted" } }\n', '/wt')).toBeUndefined();
    expect(withCodexTrust('model = \n', '/wt')).toBeUndefined();
    expect(showsCodexTrustDialog('  Trust this folder? Codex can read, edit, and run files here')).toBe(true);
    expect(showsCodexTrustDialog('› Build feature A.')).toBe(false);
  });

  it('keeps one line of at most 200 characters of what was typed', () => {
    expect(interventionText('  yes\n please ')).toBe('yes please');
    expect(interventionText('x'.repeat(300))).toHaveLength(201);
  });
});

describe("a window's exit", () => {
  const table: Array<[string, number, 'timeout' | 'interrupt' | 'stop' | undefined, object]> = [
    [
      "the wrapper's code when the agent ended by itself",
      3,
      undefined,
      { exitCode: 3, signal: null, timedOut: false },
    ],
    [
      'no code and no signal named when no code was left (nobody here saw which ended it)',
      Number.NaN,
      undefined,
      { exitCode: null, signal: null, timedOut: false },
    ],
    [
      'a signal and who stopped it when Baton stopped it',
      0,
      'interrupt',
      { exitCode: null, signal: 'SIGTERM', stoppedBy: 'interrupt' },
    ],
    [
      'timed out when the timeout stopped it',
      0,
      'timeout',
      { exitCode: null, timedOut: true, stoppedBy: 'timeout' },
    ],
  ];
  it.each(table)('%s', (_name, code, stoppedBy, expected) => {
    const exit = windowExit(code, stoppedBy, 1500);
    expect(exit).toMatchObject({ ...expected, durationMs: 1500, stdout: '', stderr: '' });
    if (!stoppedBy) expect(exit).not.toHaveProperty('stoppedBy');
  });
});
