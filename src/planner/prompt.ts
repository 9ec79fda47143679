import type { RepoContext } from './repo-context.js';

/** What the planner prompt is made of. Plain data. */
export interface PlannerPromptInput {
  /** The milestone's title, as given on the command line. */
  title: string;
  /** The milestone's id (fixed by the command line or the title's slug). */
  id: string;
  /** What the milestone is about, beyond its title. */
  description?: string;
  context: RepoContext;
  /** For a retry: the previous answer (if there was one) and what was wrong with it. */
  previous?: { answer: string | null; problems: string[] };
}

/** The previous answer is shown back up to this many characters. */
export const MAX_PREVIOUS_ANSWER = 16_000;

/**
 * The planner's instructions: the milestone, a compact view of the repository, the plan schema
 * in words, the rules, and "reply with exactly one JSON document". Pure.
 */
export function buildPlannerPrompt(input: PlannerPromptInput): string {
  const { title, id } = input;
  const lines = [
    `You are the planner of a software milestone in the repository in the current directory.`,
    `Read whatever you need (files, structure, tests, docs) but change nothing: this is planning only.`,
    '',
    `Milestone: ${title}`,
    `Milestone id: ${id}`,
  ];
  if (input.description?.trim()) lines.push(`Description: ${input.description.trim()}`);
  lines.push('', ...describeRepo(input.context), '', ...planRules(id), '', ...replyFormat(title, id));
  if (input.previous) lines.push('', ...retryNotes(input.previous));
  return lines.join('\n');
}

function describeRepo(context: RepoContext): string[] {
  const lines = [`Repository: ${context.fileCount} tracked files.`];
  if (context.folders.length > 0) {
    lines.push('Top-level folders (files, main subfolders):');
    for (const folder of context.folders) {
      const subs = folder.subfolders.length > 0 ? `: ${folder.subfolders.join(', ')}` : '';
      lines.push(`- ${folder.path}/ (${folder.files})${subs}`);
    }
  }
  if (context.rootFiles.length > 0) lines.push(`Top-level files: ${context.rootFiles.join(', ')}`);
  for (const file of context.keyFiles) {
    lines.push('', `--- ${file.path} (first lines) ---`, file.head, `--- end of ${file.path} ---`);
  }
  return lines;
}

function planRules(id: string): string[] {
  return [
    'Break the milestone into tasks for coding agents. Phases run in this order, each finishing before the next starts:',
    '- design: architecture, API and data-model decisions, written as Markdown documents;',
    '- spec: technical specification, test plan, acceptance criteria, as Markdown documents;',
    '- task: implementation breakdown, dependency map, risks (optional; often no task here);',
    '- execute: the code, tests and docs themselves.',
    '',
    'Rules:',
    '- Each task fits one coding-agent session (at most a few hours of focused work on a handful of files) and its `prompt` is self-contained: the agent sees only its own task, in its own git worktree.',
    '- Task ids use lowercase letters, digits and "-", start with a letter or digit, and are unique.',
    '- `needs` lists the ids of tasks that must be finished first. No cycles; a task may need tasks of its own or an earlier phase only.',
    '- `files` lists glob patterns (relative to the repository root) of the paths the task will change, e.g. "src/auth/**". Tasks that can run in parallel should not share files; if they must, make one need the other.',
    '- `estimate` is a duration such as "90m", "2h" or "1d", or { "optimistic": "1h", "likely": "2h", "pessimistic": "5h" }.',
    '- Every execute task has a `verify` command that exits 0 only when the task is done (use the repository\'s real test or build commands, e.g. "npm test -- auth").',
    `- Design and spec tasks write their documents under .milestones/${id}/design/ and .milestones/${id}/spec/ (put those paths in their \`files\`).`,
    '- Do not set `base` or `agent`: the command line decides the branch and the agent.',
  ];
}

function replyFormat(title: string, id: string): string[] {
  const example = {
    version: 1,
    milestone: title,
    id,
    description: 'One paragraph: what the milestone delivers and why.',
    tasks: [
      {
        id: 'architecture',
        title: 'Decide the architecture',
        phase: 'design',
        prompt: `Complete .milestones/${id}/design/architecture.md: ...`,
        files: [`.milestones/${id}/design/**`],
        estimate: '1h',
      },
      {
        id: 'implement-core',
        title: 'Implement the core module',
        phase: 'execute',
        prompt: 'In src/core/, add ... Add tests in test/core/ that cover ...',
        needs: ['architecture'],
        files: ['src/core/**', 'test/core/**'],
        estimate: { optimistic: '1h', likely: '2h', pessimistic: '4h' },
        verify: 'npm test',
      },
    ],
    deliverables: {
      'design/architecture.md': '# Architecture\n\n...',
      'spec/technical.md': '# Technical specification\n\n...',
    },
  };
  return [
    'Reply with exactly one JSON document and nothing else (a ```json fenced block is fine). Shape:',
    JSON.stringify(example, null, 2),
    '',
    'Fields: `version` (always 1), `milestone` (the title), `id`, `description` (optional), `tasks` (required, at least one; each with `id`, `title`, `phase` (design|spec|task|execute), `prompt`, and as needed `needs`, `files`, `estimate`, `verify`), `deliverables` (optional).',
    'No other fields: unknown fields are errors.',
    `\`deliverables\` maps paths to the Markdown text of the design and spec documents you can already write from what you read (design/architecture.md, design/api.md, design/data-model.md, spec/technical.md, spec/test-plan.md, spec/acceptance-criteria.md, ...). Paths are relative, under design/ or spec/, end in .md; they are saved under .milestones/${id}/.`,
    'Give your answer as your final message; do not call any tool to present it.',
  ];
}

function retryNotes(previous: NonNullable<PlannerPromptInput['previous']>): string[] {
  const lines = ['Your previous answer had these problems:'];
  for (const problem of previous.problems) lines.push(`- ${problem}`);
  if (previous.answer !== null && previous.answer.trim() !== '') {
    const answer = previous.answer.trim();
    const shown =
      answer.length > MAX_PREVIOUS_ANSWER ? `${answer.slice(0, MAX_PREVIOUS_ANSWER)}\n… (cut)` : answer;
    lines.push('', 'Your previous answer was:', shown);
  }
  lines.push('', 'Reply with the corrected JSON document: the whole plan again, with every problem fixed.');
  return lines;
}
