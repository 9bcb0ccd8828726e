import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stateDirFor } from '../config.js';
import { type Diagnostic, UserError } from '../errors.js';
import { loadProject, type Project, trackedFiles } from '../project.js';
import type { CouplingAnalysis, CouplingSettings } from './analysis.js';
import { analyzeCoupling } from './analyze.js';
import { couplingDiagnostics, type DecompositionScore, scoreDecomposition } from './score.js';

/** A project's coupling: the analysis, its score and its warnings. */
export interface ProjectCoupling {
  analysis: CouplingAnalysis;
  score: DecompositionScore;
  diagnostics: Diagnostic[];
}

/** Analyses a loaded project's features against its history and sources. */
export async function analyzeProject(
  project: Pick<Project, 'root' | 'config' | 'plan'>,
  settings?: Partial<CouplingSettings>,
): Promise<ProjectCoupling> {
  const stateDir = stateDirFor(project.root);
  const analysis = await analyzeCoupling({
    root: project.root,
    config: project.config,
    features: project.plan.features,
    files: await trackedFiles(project.root),
    // Like the contracts' parse cache: only once `.baton/` exists (init or a first run made it).
    ...(existsSync(stateDir)
      ? {
          cacheFile: join(stateDir, 'cache', 'imports.json'),
          historyCacheFile: join(stateDir, 'cache', 'history.txt'),
        }
      : {}),
    ...(settings ? { settings } : {}),
  });
  return {
    analysis,
    score: scoreDecomposition(project.plan, analysis),
    diagnostics: couplingDiagnostics(project.plan, analysis),
  };
}

/**
 * The coupling warnings `baton lint` adds once the contracts are valid; none when the project does
 * not load (lint has already reported why).
 */
export async function couplingLintWarnings(cwd: string): Promise<Diagnostic[]> {
  let project: Project;
  try {
    project = await loadProject(cwd, 'show');
  } catch (err) {
    if (err instanceof UserError) return [];
    throw err;
  }
  return (await analyzeProject(project)).diagnostics;
}
