import { describe, expect, it } from 'vitest';
import { indexFiles, matchGlob } from '../../src/planning/file-index.js';
import { textWords } from '../../src/planning/path-words.js';
import { gatherRepoFacts } from '../../src/planning/repo-facts.js';
import { analyzeScope, componentOf } from '../../src/planning/scope.js';
import { gitRepo } from '../helpers/git-repo.js';
import { planOf, task } from './plan-builder.js';

const FILES = {
  'src/auth/session.ts': '',
  'src/auth/login.ts': '',
  'src/api/routes.ts': '',
  'docs/guide.md': '',
  'test/auth/session.test.ts': '',
  'lib/util/strings.js': '',
};

describe('analyzeScope', () => {
  it('resolves globs and words to the files of a real repository', async () => {
    const facts = await gatherRepoFacts(await gitRepo({ files: FILES }));
    const plan = planOf(
      [
        task('auth', { files: ['src/auth/**'] }),
        task('api', { files: ['./src/api/routes.ts', 'src/api/new-endpoint.ts'] }),
        task('prose', { title: 'Document the routes guide' }),
        task('except', { files: ['src/auth/**', '!src/auth/login.ts'] }),
        task('vague', { title: 'Polish everything', prompt: 'Make it nicer.' }),
        task('folder', { files: ['src/auth'] }),
        task('anywhere', { files: ['**/strings.js'] }),
      ],
      { title: 'Harden login' },
    );

    const scope = analyzeScope(plan, facts);

    expect(scope.tasks).toEqual([
      { id: 'auth', files: ['src/auth/login.ts', 'src/auth/session.ts'], wordFiles: [], newPaths: [] },
      { id: 'api', files: ['src/api/routes.ts'], wordFiles: [], newPaths: ['src/api/new-endpoint.ts'] },
      { id: 'prose', files: [], wordFiles: ['docs/guide.md', 'src/api/routes.ts'], newPaths: [] },
      { id: 'except', files: ['src/auth/session.ts'], wordFiles: [], newPaths: [] },
      { id: 'vague', files: [], wordFiles: [], newPaths: [] },
      { id: 'folder', files: ['src/auth/login.ts', 'src/auth/session.ts'], wordFiles: [], newPaths: [] },
      { id: 'anywhere', files: ['lib/util/strings.js'], wordFiles: [], newPaths: [] },
    ]);
    expect(scope.files).toEqual([
      'docs/guide.md',
      'lib/util/strings.js',
      'src/api/routes.ts',
      'src/auth/login.ts',
      'src/auth/session.ts',
    ]);
    expect(scope.planWordFiles).toEqual(['src/auth/login.ts']);
    expect(scope.fileCount).toBe(5);
    // 5 existing + 1 new path + 2 guessed for the task that names nothing.
    expect(scope.estimatedFileCount).toBe(8);
    expect(scope.matchRate).toBeCloseTo(6 / 7);
    expect(scope.newPaths).toEqual([{ glob: 'src/api/new-endpoint.ts', tasks: ['api'] }]);
    expect(scope.components).toEqual([
      { name: 'src/auth', files: 2, tasks: 3 },
      { name: 'docs', files: 1, tasks: 1 },
      { name: 'lib/util', files: 1, tasks: 1 },
      { name: 'src/api', files: 1, tasks: 2 },
    ]);
  });

  it('names components by top folder, two levels under container folders', () => {
    expect(componentOf('README.md')).toBe('.');
    expect(componentOf('docs/a/b.md')).toBe('docs');
    expect(componentOf('src/auth/x.ts')).toBe('src/auth');
    expect(componentOf('src/x.ts')).toBe('src');
    expect(componentOf('packages/core/src/x.ts')).toBe('packages/core');
  });

  it('ignores words that match too many files to locate anything', () => {
    const files = Array.from({ length: 150 }, (_, i) => `src/widget/part-${i}.ts`);
    const scope = analyzeScope(planOf([task('w', { title: 'Restyle widget' })]), {
      files,
      churn: new Map(),
    });
    expect(scope.tasks[0]!.wordFiles).toEqual([]);
    expect(scope.estimatedFileCount).toBe(2);
  });

  it('matches globs with picomatch semantics over the index', () => {
    const index = indexFiles(Object.keys(FILES));
    const names = (glob: string) => matchGlob(index, glob).map((i) => index.files[i]);
    expect(names('src/{auth,api}/*.ts')).toEqual([
      'src/api/routes.ts',
      'src/auth/login.ts',
      'src/auth/session.ts',
    ]);
    expect(names('**/session*.ts')).toEqual(['src/auth/session.ts', 'test/auth/session.test.ts']);
    expect(names('src/')).toHaveLength(3);
    expect(names('.')).toHaveLength(6);
    expect(names('src/auth/log')).toEqual([]);
  });

  it('takes words of 4+ letters, splits camelCase and folds plurals', () => {
    expect(textWords('Refactor the SessionStore and its policies; fix 2024 issues')).toEqual([
      'session',
      'store',
      'policy',
      'issue',
    ]);
  });
});
