import { readFileSync } from 'node:fs';
import type { Problem } from '../errors.js';
import type { FieldPath } from '../plan/field-path.js';
import { readYaml } from '../plan/syntax.js';

/**
 * Places problems found in a config section after the config was read (an agent's options are
 * checked by the agent registry, not by the config schema): each problem's path becomes its
 * line and column in `file`, read again for it. Only for problems: a valid config is never
 * read twice. A file that cannot be read or parsed leaves the problems as they are.
 */
export function placeInConfig(
  file: string,
  found: ReadonlyArray<{ problem: Problem; path: FieldPath; target?: 'key' | 'value' }>,
): Problem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return found.map(({ problem }) => problem);
  }
  const syntax = readYaml(text, file);
  if (!syntax.ok) return found.map(({ problem }) => problem);
  return found.map(({ problem, path, target }) => {
    const position = syntax.positionOf(path, target);
    if (!position) return problem;
    return { ...problem, location: { ...problem.location, line: position.line, column: position.column } };
  });
}
