import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDeliverablePath,
  MAX_DELIVERABLES,
  readDeliverables,
  writeDeliverables,
} from '../../src/planner/deliverables.js';
import { tempDir } from '../helpers/git-repo.js';

describe('deliverable paths', () => {
  it('accepts Markdown files under design/ and spec/', () => {
    for (const path of ['design/architecture.md', 'spec/technical.md', 'design/api/v1_auth-flow.md']) {
      expect(checkDeliverablePath(path), path).toBeNull();
    }
  });

  it.each([
    ['/etc/design/x.md', 'relative'],
    ['C:/design/x.md', 'relative'],
    ['design\\x.md', 'relative'],
    ['design/../../x.md', '..'],
    ['../spec/x.md', '..'],
    ['design/./x.md', 'segments'],
    ['design//x.md', 'segments'],
    ['design/.hidden.md', 'segments'],
    ['design/x y.md', 'segments'],
    ['execute/x.md', 'under design/ or spec/'],
    ['architecture.md', 'under design/ or spec/'],
    ['design/x.txt', '.md'],
    ['', 'empty'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(checkDeliverablePath(path)).toContain(reason);
  });

  it('reads the mapping, naming each bad entry', () => {
    const { deliverables, problems } = readDeliverables({
      'design/architecture.md': '# A',
      'src/x.md': '# no',
      'spec/tests.md': 42,
    });
    expect(deliverables).toEqual([{ path: 'design/architecture.md', content: '# A' }]);
    expect(problems).toEqual([
      'deliverables["src/x.md"]: must be under design/ or spec/',
      'deliverables["spec/tests.md"]: must be Markdown text (a string)',
    ]);
    expect(readDeliverables(undefined)).toEqual({ deliverables: [], problems: [] });
    expect(readDeliverables(['design/a.md']).problems[0]).toMatch(/^deliverables: must be an object/);
    const many = Object.fromEntries(
      Array.from({ length: MAX_DELIVERABLES + 1 }, (_, i) => [`spec/d${i}.md`, 'x']),
    );
    expect(readDeliverables(many).problems).toEqual([
      `deliverables: at most ${MAX_DELIVERABLES} documents, got 21`,
    ]);
  });

  it('writes them under the milestone folder, ending with a newline', () => {
    const dir = tempDir();
    const written = writeDeliverables(dir, [
      { path: 'design/architecture.md', content: '# A' },
      { path: 'spec/sub/test-plan.md', content: '# T\n' },
    ]);
    expect(written).toEqual([join(dir, 'design/architecture.md'), join(dir, 'spec/sub/test-plan.md')]);
    expect(readFileSync(join(dir, 'design/architecture.md'), 'utf8')).toBe('# A\n');
    expect(readFileSync(join(dir, 'spec/sub/test-plan.md'), 'utf8')).toBe('# T\n');
    expect(() => writeDeliverables(dir, [{ path: '../x.md', content: '' }])).toThrow(/escaped/);
  });
});
