/**
 * Work a command leaves for its own end: `atCommandEnd(task)` queues it, and the CLI runs every queued
 * task once the command is done (`runCommandEndTasks`, in cli/main.ts), failures ignored. For cleanup
 * that must not happen while the command's other work may still need what it cleans up (the
 * processes a check left running: another feature's check may be using a daemon it started).
 */
const tasks: Array<() => Promise<unknown>> = [];

/** Queues `task` for the end of the current command. */
export function atCommandEnd(task: () => Promise<unknown>): void {
  tasks.push(task);
}

/** Runs (and forgets) every queued task, one after another. */
export async function runCommandEndTasks(): Promise<void> {
  for (const task of tasks.splice(0)) await task().catch(() => undefined);
}
