import type { Contract } from '../contracts/schema.js';

/** A dependency edge: `to` depends on `from`. */
export interface Edge {
  from: string;
  to: string;
}

/** Two features whose `owns` globs overlap although neither depends on the other. */
export interface OwnershipOverlap {
  a: string;
  b: string;
  /** The glob (or example path) both cover. */
  pattern: string;
}

/** The validated, immutable plan: what the runner, verify and integrate accept. */
export interface Plan {
  /** Contracts in topological order (dependencies first; ties by id). */
  readonly features: readonly Contract[];
  readonly byId: ReadonlyMap<string, Contract>;
  /** Feature ids in topological order. */
  readonly order: readonly string[];
  /** Topological levels: every feature of a wave depends only on earlier waves. */
  readonly waves: readonly (readonly string[])[];
  readonly edges: readonly Edge[];
  /**
   * Longest chain by estimate_minutes (features without an estimate count 0): the critical path when
   * every contract has an estimate, a lower bound of it when only some do (`unestimated`).
   */
  readonly critical_path: { readonly feature_ids: readonly string[]; readonly minutes: number };
  /**
   * The contracts without `estimate_minutes`, in order. With some but not all estimated, the critical
   * path and the Amdahl bound are unknown (`max_speedup` undefined): one rule for plan, report and dashboard.
   */
  readonly unestimated: readonly string[];
  readonly integration_points: {
    /** N·(N−1)/2. */
    readonly potential: number;
    /** Dependency edges between features. */
    readonly declared: number;
    /** Pairs whose owned paths overlap without a dependency (owns overlaps: predicted conflicts). */
    readonly overlaps: readonly OwnershipOverlap[];
    /**
     * Unrelated pairs whose globs can meet but whose sample paths did not (`OverlapJudgment.open`): a
     * plan made without the tracked files (`BuildPlanOptions.files`) may miss an overlap only when this
     * is above 0, and `loadProject` lists the files only then.
     */
    readonly unsettled: number;
  };
  readonly amdahl: {
    /** Sum of the estimates given (a contract without one adds nothing). */
    readonly sequential_minutes: number;
    /** Critical path minutes: the best a parallel run can do. */
    readonly parallel_minutes: number;
    /** sequential ÷ parallel, or undefined unless every contract has an estimate. */
    readonly max_speedup: number | undefined;
  };
}
