import type { Command } from '@commander-js/extra-typings';

/**
 * Examples shown at the end of each command's `--help`, by command path (`state export`). Each
 * line is a command to type in a repository, then what it does after `#`;
 * test/cli/help.test.ts checks that every command has some and that their options exist.
 */
const EXAMPLES: Record<string, readonly string[]> = {
  init: [
    'milestone init            # .milestones/config.yaml (defaults) + .gitignore',
    'milestone init --claude   # also Claude Code commands, subagent, .mcp.json',
  ],
  plan: [
    'milestone validate plan.yaml && milestone plan --from plan.yaml',
    'milestone plan "Add login" --from .kiro/specs/login/tasks.md',
    'milestone plan "Add login" --planner claude   # an agent writes it',
    'milestone plan --from plan.yaml --replace add-login   # after editing',
  ],
  validate: [
    'milestone validate plan.yaml    # each problem: file:line:col (field)',
    'milestone validate tasks.json --json',
  ],
  list: ['milestone list', 'milestone list --json'],
  show: ['milestone show add-login', 'milestone show add-login --json'],
  status: [
    'milestone status                    # the one active milestone',
    'milestone status add-login --watch  # follow a run until it stops',
    'milestone status --json',
  ],
  metrics: ['milestone metrics add-login', 'milestone metrics --compare   # direct vs parallel runs'],
  state: [
    'milestone state export add-login --format agent > state.json',
    'milestone state import state.json',
  ],
  'state export': ['milestone state export add-login --format command > state.json'],
  'state import': ['milestone state import state.json'],
  visualize: [
    'milestone visualize add-login                 # ascii',
    'milestone visualize add-login --format mermaid',
    'milestone visualize add-login --format svg > run.svg',
  ],
  execute: [
    'milestone execute --dry-run    # decision, waves, concurrency; no change',
    'milestone execute add-login    # run, or resume after Ctrl-C or a crash',
    'milestone execute add-login --agent shell --concurrency 2',
    'milestone execute add-login --phase design   # only the design phase',
  ],
  worker: ['milestone worker --queue redis://127.0.0.1:6379 --agents claude,shell'],
  report: [
    'milestone report add-login > review.md',
    'milestone report add-login --format html > review.html',
    'milestone report add-login --json   # the packet as one JSON document',
  ],
  ui: ['milestone ui             # http://127.0.0.1:7357/', 'milestone ui --port 8080 --open'],
  cancel: ['milestone cancel add-login'],
  finish: [
    'milestone finish add-login        # merge milestone/add-login into its base',
    'milestone finish add-login --pr   # push it, open a pull request with gh',
    'milestone finish add-login --into release',
  ],
  rm: ['milestone rm add-login', 'milestone rm add-login --branches   # and its branches'],
  review: [
    'milestone review add-login --phase design --approve',
    'milestone review add-login --phase design --reject --comment "why"',
  ],
  agents: ['milestone agents', 'milestone agents --json'],
  mcp: ['claude mcp add milestone -- milestone mcp   # register it with Claude Code'],
  clean: ['milestone clean --dry-run   # what would be removed', 'milestone clean'],
  doctor: ['milestone doctor', 'milestone doctor --fix   # repair what is safe, say what it did'],
};

/**
 * A plan that runs as is in any repository with the built-in shell agent: `plan --help` shows it,
 * and the README's quick start writes the same file (test/cli/help.test.ts runs both).
 */
export const PLAN_EXAMPLE = `version: 1
milestone: Add a greeting
defaults: { agent: shell }   # or claude, codex, gemini (they read \`prompt\`)
tasks:
  - id: notes
    title: Write the design notes
    phase: design            # design | spec | task | execute (default)
    run: "mkdir -p docs && echo 'greet prints hello' > docs/greet.md"
    files: ["docs/**"]       # tasks whose files overlap never run at once
  - id: greet
    title: Add the greet script
    needs: [notes]
    run: "echo 'echo hello' > greet.sh"
    files: [greet.sh]
    verify: "sh greet.sh | grep -q hello"   # exit 0, or the task failed
`;

/**
 * Gives every command below `program` its examples and a usage hint naming it: a mistyped option
 * of `execute` says `run \`milestone execute --help\``, not the top-level help.
 */
export function addExamples(program: Command, prefix = ''): void {
  for (const command of program.commands as Command[]) {
    const path = `${prefix}${command.name()}`;
    command.showHelpAfterError(`(run \`milestone ${path} --help\` for usage)`);
    const examples = EXAMPLES[path];
    if (examples)
      command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}`);
    if (path === 'plan')
      command.addHelpText(
        'after',
        `\nA plan file to start from (every field and the imported formats:\ndocs/plan-formats.md in the milestone checkout):\n${PLAN_EXAMPLE.replace(/^/gm, '  ').trimEnd()}`,
      );
    addExamples(command, `${path} `);
  }
}
