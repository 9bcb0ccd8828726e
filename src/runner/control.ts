/** Lets something outside the runner (the collision radar) stop one running feature, keeping its work. */
export interface RunControl {
  /** Asks the feature's agent to stop; the feature then ends with status `collision` and this reason. */
  stop(featureId: string, reason: string): boolean;
  /** Registers a running agent's stop function; returns the function that unregisters it. */
  attach(featureId: string, stop: () => void): () => void;
  /** The reason a feature was stopped through `stop`, if it was. */
  stoppedFor(featureId: string): string | undefined;
}

/** Creates a run control for one run. */
export function createRunControl(): RunControl {
  const stops = new Map<string, () => void>();
  const reasons = new Map<string, string>();
  return {
    stop(featureId, reason) {
      const stop = stops.get(featureId);
      if (!stop) return false;
      reasons.set(featureId, reason);
      stop();
      return true;
    },
    attach(featureId, stop) {
      stops.set(featureId, stop);
      return () => {
        if (stops.get(featureId) === stop) stops.delete(featureId);
      };
    },
    stoppedFor: (featureId) => reasons.get(featureId),
  };
}
