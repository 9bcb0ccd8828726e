#!/bin/sh
# A completion hook written with nothing but the shell, as the method describes it:
# appends one plain JSON line to the shared log, which `baton status` folds like any event.
#
#   usage: completionhook.sh <feature_id> [status]     (status defaults to "complete")
#   e.g. from an agent's Stop hook:  sh examples/completionhook.sh feature-003-x complete
#
# The log is $BATON_LOG when Baton started the agent, else .baton/log.jsonl of the main checkout.
set -eu
feature_id=${1:?usage: completionhook.sh <feature_id> [status]}
status=${2:-complete}
log=${BATON_LOG:-}
if [ -z "$log" ]; then
  main=$(git worktree list --porcelain | sed -n '1s/^worktree //p')
  log="$main/.baton/log.jsonl"
fi
mkdir -p "$(dirname "$log")"
ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# One printf is one write(2) for a line this short, so concurrent hooks never interleave.
printf '{"feature_id": "%s", "status": "%s", "ts": "%s"}\n' "$feature_id" "$status" "$ts" >> "$log"
