import { describe, expect, it } from 'vitest';
import { workerOverride } from '../../src/queue/attempt-launch.js';

describe("a worker's job runs the program the worker found, with the orchestrator's other settings", () => {
  const orchestrator = { command: '/home/orch/bin/claude', model: 'opus', extra_args: ['--max-turns', '3'] };

  it("the worker's own program (its agents.claude.command, or claude on its PATH) wins", () => {
    expect(workerOverride(orchestrator, '/opt/worker/claude')).toEqual({
      command: '/opt/worker/claude',
      model: 'opus',
      extra_args: ['--max-turns', '3'],
    });
    // The worker's config named a command the orchestrator's does not: not a bare `claude` (ENOENT).
    expect(workerOverride(undefined, '/opt/worker/claude')).toEqual({ command: '/opt/worker/claude' });
  });

  it("never the orchestrator's path, which names a file on another machine", () => {
    expect(workerOverride(orchestrator, undefined)).toEqual({
      model: 'opus',
      extra_args: ['--max-turns', '3'],
    });
    expect(workerOverride(undefined, undefined)).toBeUndefined();
  });
});
