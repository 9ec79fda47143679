import type { AgentRequest } from './adapter.js';

/**
 * The instructions every coding agent (Claude Code, Codex, Gemini CLI, ...) gets for one
 * attempt: what to do, where, what must pass, and that the engine, not the agent, commits.
 */
export function buildTaskPrompt(request: AgentRequest): string {
  const { task } = request;
  const lines = [
    `You are doing task ${task.id} of milestone ${request.milestoneId} (${task.phase} phase): ${task.title}`,
    '',
    task.prompt?.trim() || `No further instructions: do what the title says.`,
    '',
  ];
  if (task.files.length > 0) {
    lines.push('Files in scope (change what the task needs, within these where you can):');
    for (const file of task.files) lines.push(`- ${file}`);
    lines.push('');
  }
  if (task.verify) {
    lines.push(`When you are done, this command must exit 0; run it to check your work: ${task.verify}`, '');
  }
  lines.push(
    'Rules:',
    `- Work only in the current directory (${request.worktree}), a git worktree made for this task.`,
    '- Commit nothing, and create no branches or tags: the engine commits your changes.',
    '- Finish with a short summary of what you changed.',
  );
  if (request.attempt > 1) {
    // The engine decides what a retry starts from, so the agent must look rather than assume.
    lines.push(
      `- This is attempt ${request.attempt}; earlier attempts failed. Check the files as they are now.`,
    );
  }
  return lines.join('\n');
}

/** The prompt an agent gets for `request`: its `fullPrompt` when set, else the task prompt. */
export function agentPrompt(request: AgentRequest): string {
  return request.fullPrompt ?? buildTaskPrompt(request);
}
