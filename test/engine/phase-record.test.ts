import { describe, expect, it } from 'vitest';
import { project } from '../../src/core/projection.js';
import { phaseRecordFiles } from '../../src/engine/phase-record.js';
import { git, gitRepo, writeFiles } from '../helpers/git-repo.js';
import { plannedEvent } from '../store/fixtures/sample-plan.js';

async function commit(cwd: string, files: Record<string, string>, message: string): Promise<string> {
  writeFiles(cwd, files);
  await git(cwd, 'add', '-A');
  await git(cwd, 'commit', '-q', '-m', message);
  return await git(cwd, 'rev-parse', 'HEAD');
}

describe('phase record', () => {
  it('lists only what the milestone changed when the base branch moved on', async () => {
    const repo = await gitRepo({ files: { 'src/app.ts': 'app\n' } });
    await git(repo, 'branch', 'milestone/add-login', 'main');
    await git(repo, 'checkout', '-q', 'milestone/add-login');
    await commit(repo, { 'docs/api.md': '# API\n' }, 'design work');
    await git(repo, 'checkout', '-q', 'main');
    // Someone else lands work on main after the milestone branched off.
    await commit(repo, { 'src/unrelated.ts': 'x\n', 'src/app.ts': 'app v2\n' }, 'other work on main');

    const state = project([
      { ...plannedEvent(), seq: 1, milestoneId: 'add-login', at: new Date(0).toISOString() },
    ])!;
    const files = await phaseRecordFiles(repo, state, 'design');
    const record = JSON.parse(files['.milestones/add-login/phases/design.json']!);
    expect(record.deliverables).toEqual(['docs/api.md']);
  });

  it('counts a later phase from the earlier phase commit', async () => {
    const repo = await gitRepo();
    await git(repo, 'branch', 'milestone/add-login', 'main');
    await git(repo, 'checkout', '-q', 'milestone/add-login');
    const designCommit = await commit(repo, { 'docs/api.md': '# API\n' }, 'design phase');
    await commit(repo, { 'src/login.ts': 'login\n' }, 'execute work');
    await git(repo, 'checkout', '-q', 'main');
    await commit(repo, { 'README.md': 'moved on\n' }, 'main moves on');

    const planned = project([
      { ...plannedEvent(), seq: 1, milestoneId: 'add-login', at: new Date(0).toISOString() },
    ])!;
    const state = { ...planned, phaseCommits: { design: designCommit } };
    const files = await phaseRecordFiles(repo, state, 'execute');
    const record = JSON.parse(files['.milestones/add-login/phases/execute.json']!);
    expect(record.deliverables).toEqual(['src/login.ts']);
  });
});
