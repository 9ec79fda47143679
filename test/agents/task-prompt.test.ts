import { describe, expect, it } from 'vitest';
import { buildTaskPrompt } from '../../src/agents/task-prompt.js';
import { agentRequest } from './agent-request.js';

describe('buildTaskPrompt', () => {
  it('tells the agent the task, its scope, the check to pass, and that the engine commits', () => {
    const request = agentRequest(
      {
        title: 'Add a greeting',
        prompt: 'Write hello.txt.',
        files: ['hello.txt', 'src/**'],
        verify: 'npm test',
      },
      { milestoneId: 'm7' },
    );
    expect(buildTaskPrompt(request)).toBe(
      [
        'You are doing task t1 of milestone m7 (execute phase): Add a greeting',
        '',
        'Write hello.txt.',
        '',
        'Files in scope (change what the task needs, within these where you can):',
        '- hello.txt',
        '- src/**',
        '',
        'When you are done, this command must exit 0; run it to check your work: npm test',
        '',
        'Rules:',
        `- Work only in the current directory (${request.worktree}), a git worktree made for this task.`,
        '- Commit nothing, and create no branches or tags: the engine commits your changes.',
        '- Finish with a short summary of what you changed.',
      ].join('\n'),
    );
  });

  it('works from the title alone and says when it is a retry', () => {
    const prompt = buildTaskPrompt(agentRequest({ files: [] }, { attempt: 2 }));
    expect(prompt).toContain('No further instructions: do what the title says.');
    expect(prompt).not.toContain('Files in scope');
    expect(prompt).not.toContain('must exit 0');
    expect(prompt).toContain('This is attempt 2; earlier attempts failed.');
  });
});
