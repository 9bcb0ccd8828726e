/** What `baton integrate --help` adds after the options: what merges, `--into`'s rule, Ctrl-C, exit codes. */
export const INTEGRATE_HELP_AFTER = `
Only features whose status (folded from the log) is complete are merged by default. The others are
listed as "not merged: <id> (<status>: <reason>)", recorded as merge.skipped (kind excluded), and so is
every feature that depends on one of them or whose branch carries one's own commits (rebased onto it
by hand). --include failed,empty,... merges those statuses too, and
says so in the output and the log (integration.started include/included).

--into <branch> fast-forwards the branch only when every selected feature was merged, every test after a
merge passed and every after-integration criterion passed, and no feature was let in by --include
(nor is one taken since by --continue because --include covers the status it has now); when it holds
the integration's base (integrate/into-base) and the result holds no commit of a feature not merged;
and never while a rebase or bisect is under way on it (integrate/into-in-progress); otherwise the branch stays where it was and the reason is printed and logged (integration.ended
into_refused).

The test command gets PORT, BATON_INTEGRATION=1 and BATON_AFTER_FEATURE. With --on-conflict agent,
the feature agent (any adapter) runs in the integration worktree with BATON_TASK_FILE (the conflict and
both contracts) and BATON_CONFLICT_FILES (one path a line).
Ctrl-C stops the test, check or agent running (its whole process group) and records the integration
as interrupted; go on with --continue, or start over with --fresh. A git merge under way, or --into's
move of the branch, is let finish first: git stopped half-way would leave the files half-written.
Every command Baton prints to go on (--continue, --fresh) carries this integration's --test, --into,
--on-conflict and --test-timeout (when not the default 900), and a --fresh the features named, --base
and --include it began with too, as does baton status.
Exit code: 0 when integration is clean (and --into moved the branch), 1 on a predicted or real
conflict, a feature left out, failed tests or checks, a refused --into, or Ctrl-C; 2 on a usage error.`;
