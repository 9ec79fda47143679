import { indexCommitCounts } from '../git/index-commit.js';
import { captureCounts } from '../git/worktree-capture.js';
import { switchCounts } from '../git/worktree-switch.js';
import { checkoutSizeCounts } from './slot-space.js';

/** `" (reason count, ...)"`, or nothing when no reason was counted. */
function reasons(why: Readonly<Record<string, number | undefined>>): string {
  const listed = Object.entries(why)
    .filter(([, count]) => count)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return listed ? ` (${listed})` : '';
}

/**
 * How the tasks' git work went in this process, as a run with `MILESTONE_DEBUG=1` prints it
 * beside its landings: slot switches in process, by `read-tree` or left to a checkout; captures
 * in process (looking only at a watched slot's changed names, or scanning the worktree whole, and
 * why) or by `git add -A`; task commits written from the index in process or by git; the new
 * slots' checkout sizes listed by `ls-tree` or reused (slot-space.ts). Each
 * fallback's reason is counted, so a run that quietly lost its fast path shows it.
 */
export function describeTaskGitWork(): string {
  const { scans } = captureCounts;
  const commitFallbacks = Object.values(indexCommitCounts.fallbacks).reduce((sum, n) => sum + (n ?? 0), 0);
  return [
    `task git work: switches ${switchCounts.inProcess} in process, ${switchCounts.readTree} read-tree${reasons(switchCounts.readTreeWhy)}, ${switchCounts.declined} checkout`,
    `captures ${captureCounts.inProcess} in process, of which ${scans.watched} watched and ${scans.full} whole${reasons(scans.why)}, ${captureCounts.git} git add${reasons(captureCounts.why)}`,
    `commits ${indexCommitCounts.written} in process, ${commitFallbacks} by git${reasons(indexCommitCounts.fallbacks)}`,
    `checkout sizes ${checkoutSizeCounts.listed} listed, ${checkoutSizeCounts.reused} reused`,
  ].join('; ');
}
