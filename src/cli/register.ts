import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../core/duration.js';
import { MODES, PHASES } from '../core/types.js';
import type { Io } from '../io/io.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** A duration option in milliseconds (`parseDuration` reads minutes). */
function duration(value: string): number {
  const minutes = parseDuration(value);
  if (minutes === null || minutes <= 0)
    throw new InvalidArgumentError('must be a duration such as 30m, 2h or 90s');
  return Math.round(minutes * 60_000);
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('must be a port, 0 to 65535');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * Registers every command. Options are declared once: `@commander-js/extra-typings` types each
 * action's arguments and options from these declarations (parsers, choices, defaults), and flags
 * that exclude each other are declared with `.conflicts()` (commander refuses them, exit 2).
 * Implementations load lazily (a dynamic import in the action), so `--help`, `--version` and the
 * read commands never load the engine, the agents or the planners, and each command module can
 * be called directly by tests and the library API.
 */
export function registerCommands(program: Command, io: Io, cwd: string): void {
  program
    .command('init')
    .description('create .milestones/config.yaml and its git-ignore rules in this repository')
    .option('--claude', 'also install Claude Code slash commands and agents under .claude/')
    .option('--force', 'overwrite files that already exist')
    .action(async (opts) => {
      const { init } = await import('./commands/init.js');
      await init({ cwd, io, claude: opts.claude ?? false, force: opts.force ?? false });
    });

  const importing = 'Import a plan file (YAML/JSON, Kiro/spec-kit tasks.md, Task Master tasks.json):';
  const generating = 'Generate the plan with a planner agent (a title, no --from):';
  program
    .command('plan')
    .description(
      'plan a milestone, one of three ways:\n' +
        '  plan --from FILE [title]  import a plan file\n' +
        '  plan "<title>"            a planner agent (claude, codex, gemini) writes it\n' +
        '  plan --id ID              run the analyses of a stored plan again, show them',
    )
    .argument('[title]', 'milestone title (required unless the plan file gives one)')
    .addOption(new Option('--from <file>', 'plan file to import').helpGroup(importing))
    .addOption(
      new Option(
        '--replace [id]',
        'replace the stored plan of a planned, failed, paused or cancelled milestone (default: the plan id); what landed stays',
      ).helpGroup(importing),
    )
    .addOption(
      new Option(
        '--adopt-branch',
        'milestone/<id> exists from an earlier plan: keep it; its tasks matching this plan count as landed',
      )
        .conflicts(['newBranch', 'replace'])
        .helpGroup(importing),
    )
    .addOption(
      new Option(
        '--new-branch',
        'milestone/<id> exists from an earlier plan: move it to milestone/<id>.previous-N and start anew',
      )
        .conflicts('replace')
        .helpGroup(importing),
    )
    .addOption(
      new Option('--planner <name>', 'the planner agent (default: config, else first available)')
        .conflicts('from')
        .helpGroup(generating),
    )
    .addOption(
      new Option('--max-attempts <n>', 'planner attempts before giving up (default 3)')
        .argParser(positiveInt)
        .conflicts('from')
        .helpGroup(generating),
    )
    .addOption(
      new Option('--description <text>', 'what the milestone is about, for the planner')
        .conflicts('from')
        .helpGroup(generating),
    )
    .option('--id <id>', 'milestone id (default: the plan id, else a slug of the title)')
    .addOption(
      new Option('--mode <mode>', 'preferred execution mode (execute --mode auto keeps it)').choices([
        'auto',
        ...MODES,
      ] as const),
    )
    .option('--agent <name>', 'default agent for tasks that name none')
    .option('--json', 'print the stored plan and its analysis as JSON')
    .action(async (title, opts) => {
      const { plan } = await import('./plan-command.js');
      await plan({
        cwd,
        io,
        title,
        from: opts.from,
        id: opts.id,
        mode: opts.mode,
        agent: opts.agent,
        planner: opts.planner,
        maxAttempts: opts.maxAttempts,
        description: opts.description,
        json: opts.json ?? false,
        replace: opts.replace,
        branch: opts.adoptBranch ? 'adopt' : opts.newBranch ? 'new' : undefined,
      });
    });

  program
    .command('validate')
    .description('check a plan file and report every problem found (exit 2 if any)')
    .argument('<file>', 'plan file')
    .option('--json', 'print { valid, format, problems, advice, summary } as JSON (docs/json.md)')
    .action(async (file, opts) => {
      const { validate } = await import('./commands/validate.js');
      await validate({ cwd, io, file, json: opts.json ?? false });
    });

  program
    .command('list')
    .description('list the milestones of this repository')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { list } = await import('./commands/list.js');
      await list({ cwd, io, json: opts.json ?? false });
    });

  program
    .command('show')
    .description('show a milestone: plan, analysis (critical path, waves, overlaps), tasks, reviews')
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .option('--json', 'print JSON')
    .action(async (id, opts) => {
      const { show } = await import('./commands/show.js');
      await show({ cwd, io, id, json: opts.json ?? false });
    });

  program
    .command('status')
    .description('progress of a milestone, computed from merged work (never from agent claims)')
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .option('--watch', 'keep printing as the state changes, until the milestone stops')
    .option('--json', 'print JSON (NDJSON with --watch)')
    .action(async (id, opts) => {
      const { status } = await import('./commands/status.js');
      await status({ cwd, io, id, watch: opts.watch ?? false, json: opts.json ?? false });
    });

  program
    .command('metrics')
    .description(
      'per-task and total tokens, cost (unknown kept apart from zero), wall time and attempts;\n' +
        '--compare: direct versus agents runs over all milestones (speedup = direct / agents time per unit of work)',
    )
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .option('--compare', 'compare direct with agents/hybrid runs across milestones, with a recommendation')
    .option('--json', 'print JSON')
    .action(async (id, opts) => {
      const { metrics } = await import('./commands/metrics.js');
      await metrics({ cwd, io, id, compare: opts.compare ?? false, json: opts.json ?? false });
    });

  const state = program
    .command('state')
    .description('exchange milestone state with the command and agent layers');
  state
    .command('export')
    .description('print the state as JSON in the command-layer or agent-layer shape')
    .argument('<id>', 'milestone id')
    .addOption(
      new Option('--format <format>', 'shape')
        .choices(['command', 'agent'] as const)
        .default('command' as const),
    )
    .action(async (id, opts) => {
      const { stateExport } = await import('./commands/state.js');
      await stateExport({ cwd, io, id, format: opts.format });
    });
  state
    .command('import')
    .description('apply an exported state (either shape, detected) as events; stale versions are refused')
    .argument('<file>', 'JSON file, or - for stdin')
    .action(async (file) => {
      const { stateImport } = await import('./commands/state.js');
      await stateImport({ cwd, io, file });
    });

  program
    .command('visualize')
    .description('draw the task graph grouped by phase, each task marked with its status (legend below)')
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .addOption(
      new Option('--format <format>', 'output format (svg: the graph and the timeline)')
        .choices(['mermaid', 'dot', 'ascii', 'svg'] as const)
        .default('ascii' as const),
    )
    .action(async (id, opts) => {
      const { visualize } = await import('./commands/visualize.js');
      await visualize({ cwd, io, id, format: opts.format });
    });

  program
    .command('execute')
    .description(
      'run (or resume) a planned milestone: each task in its own worktree, landed on milestone/<id> ' +
        'through a serialized merge queue, one phase commit per phase. Ctrl-C saves state; run again to resume.',
    )
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .addOption(
      new Option('--phase <phase>', 'run only this phase (earlier phases must have landed)').choices([
        ...PHASES,
      ]),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'auto decides from the plan; direct = one at a time; hybrid = parallel execute phase',
      )
        .choices(['auto', ...MODES] as const)
        .default('auto' as const),
    )
    .option(
      '--concurrency <n>',
      'agents at once (default: config, else from CPUs and free memory)',
      positiveInt,
    )
    .option('--agent <name>', 'agent for tasks that name none')
    .option('--dry-run', 'print the schedule (waves, critical path, concurrency) and change nothing')
    .option('--json', 'NDJSON events on stdout')
    .option('--verbose', 'also print agent progress lines')
    .option(
      '--max-cost <usd>',
      'milestone budget in USD: no new task starts once it is spent',
      positiveNumber,
    )
    .option('--max-tokens <n>', 'milestone budget in tokens (input + output)', positiveInt)
    .option(
      '--task-max-cost <usd>',
      'per-task budget in USD (passed to Claude as --max-budget-usd)',
      positiveNumber,
    )
    .option('--task-max-tokens <n>', 'per-task budget in tokens', positiveInt)
    .option(
      '--keep-failed',
      "keep a failed task's worktree (its branch is always kept, a task run directly's too)",
    )
    .option(
      '--max-wait <duration>',
      "longest a task waits, parked, for its agent's usage limit to reset (default 5h); past it the task fails",
      duration,
    )
    .option(
      '--queue <url>',
      'redis:// or rediss:// URL: hand tasks to `milestone worker` processes (config queue)',
    )
    .option('--remote <name>', 'with --queue: the git remote the workers push to (default origin)')
    .action(async (id, opts) => {
      const { execute } = await import('./commands/execute.js');
      await execute({
        cwd,
        io,
        id,
        lowerOwnPriority: true,
        phase: opts.phase,
        mode: opts.mode,
        concurrency: opts.concurrency,
        agent: opts.agent,
        dryRun: opts.dryRun ?? false,
        json: opts.json ?? false,
        verbose: opts.verbose ?? false,
        maxCostUsd: opts.maxCost,
        maxTokens: opts.maxTokens,
        taskMaxCostUsd: opts.taskMaxCost,
        taskMaxTokens: opts.taskMaxTokens,
        keepFailed: opts.keepFailed ?? false,
        maxWaitMs: opts.maxWait,
        queue: opts.queue,
        remote: opts.remote,
      });
    });

  program
    .command('worker')
    .description(
      'take task jobs from a queue (execute --queue) and run them in worktrees of this clone, ' +
        'pushing each result to the git remote; SIGTERM finishes running tasks, a second hands them back',
    )
    .requiredOption(
      '--queue <url>',
      'redis:// or rediss:// URL (password also from MILESTONE_QUEUE_PASSWORD)',
    )
    .option('--concurrency <n>', 'tasks at once per agent (default 1)', positiveInt)
    .option('--agents <list>', 'comma-separated agents to offer (default: every agent available here)')
    .option('--repo <path>', 'the clone to work in (default: the current directory)')
    .option('--remote <name>', 'git remote shared with the coordinator (default origin)')
    .option(
      '--stall-timeout <duration>',
      'a task whose worker stops answering this long runs elsewhere (default 30s)',
      duration,
    )
    .action(async (opts) => {
      const { worker } = await import('./commands/worker.js');
      await worker({ cwd, io, ...opts, lowerOwnPriority: true });
    });

  program
    .command('report')
    .description(
      'review packet: per phase, each task with its prompt or command, agent, attempts, landing diffstat, ' +
        'verify output, cost, and what the agent claimed next to what the checks showed',
    )
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['md', 'html', 'json'] as const)
        .default('md' as const),
    )
    .addOption(new Option('--phase <phase>', 'only this phase').choices([...PHASES]))
    // Every reading command takes --json (docs/contract.md): here the same as --format json.
    .addOption(new Option('--json', 'print the packet as JSON (same as --format json)').conflicts('format'))
    .action(async (id, opts) => {
      const { report } = await import('./commands/report.js');
      await report({ cwd, io, id, format: opts.json ? 'json' : opts.format, phase: opts.phase });
    });

  program
    .command('ui')
    .description(
      'web dashboard on 127.0.0.1: every milestone, task graph, timeline, progress, costs, logs, live; ' +
        'read-only unless the printed token is given',
    )
    .option('--port <n>', 'port (0 = any free one)', portNumber, 7357)
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--allow-remote', 'allow a non-loopback --host (prints a warning)')
    .option('--open', 'open the page in the browser')
    .action(async (opts) => {
      const { ui } = await import('./commands/ui.js');
      await ui({ cwd, io, port: opts.port, host: opts.host, allowRemote: opts.allowRemote, open: opts.open });
    });

  program
    .command('cancel')
    .description('stop a running milestone (its coordinator, agents and worktrees) and mark it cancelled')
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .action(async (id) => {
      const { cancel } = await import('./commands/cancel.js');
      await cancel({ cwd, io, id });
    });

  program
    .command('finish')
    .description('merge a completed milestone branch into its base (or --into), or open a pull request')
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .option('--into <branch>', 'target branch (default: the milestone base)')
    .option('--pr', 'push the branch and open a pull request with gh (body: the review packet)')
    .option('--stack', 'with --pr: one pull request per phase, each based on the previous')
    .option('--without-records', 'keep .milestones/<id>/ (plan, phase records) out of the merge')
    .action(async (id, opts) => {
      const { finish } = await import('./commands/finish.js');
      await finish({
        cwd,
        io,
        id,
        into: opts.into,
        pr: opts.pr ?? false,
        stack: opts.stack ?? false,
        withoutRecords: opts.withoutRecords,
      });
    });

  program
    .command('rm')
    .description(
      'delete a milestone that is not running: its recorded events, .milestones/<id>/, logs and worktrees',
    )
    .argument('<id>', 'milestone id')
    .option('--branches', 'also delete milestone/<id> and its task branches (their commits are printed)')
    .action(async (id, opts) => {
      const { rm } = await import('./commands/rm.js');
      await rm({ cwd, io, id, branches: opts.branches ?? false });
    });

  program
    .command('review')
    .description(
      'approve, reject or request changes on a completed phase (review gates: config phases.<p>.approval)',
    )
    .argument('[id]', 'milestone id (optional when exactly one milestone is active)')
    .addOption(new Option('--phase <phase>', 'the phase reviewed').choices([...PHASES]).makeOptionMandatory())
    .addOption(
      new Option('--approve', 'open the gate: the next execute continues').conflicts([
        'reject',
        'requestChanges',
      ]),
    )
    .addOption(
      new Option(
        '--reject',
        'keep the next phase blocked (a phase with a gate; else recorded only)',
      ).conflicts('requestChanges'),
    )
    .option('--request-changes', 'keep the next phase blocked until approved (the same)')
    .option('--comment <text>', 'why (required with --reject and --request-changes)')
    .action(async (id, opts) => {
      const { review } = await import('./commands/review.js');
      await review({
        cwd,
        io,
        id,
        phase: opts.phase,
        approve: opts.approve ?? false,
        reject: opts.reject ?? false,
        requestChanges: opts.requestChanges ?? false,
        comment: opts.comment,
      });
    });

  program
    .command('agents')
    .description('list agent adapters with whether each can run here, and the concurrency the machine allows')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const { agents } = await import('./commands/agents.js');
      await agents({ cwd, io, json: opts.json ?? false });
    });

  program
    .command('mcp')
    .description('serve the milestone commands as tools over MCP (stdio), for Claude Code and other agents')
    .action(async () => {
      const { serveMcp } = await import('../mcp/server.js');
      await serveMcp({ cwd, input: process.stdin, output: process.stdout });
    });

  program
    .command('clean')
    .description('remove worktrees and task branches no running milestone needs (orphans of crashes)')
    .option('--dry-run', 'list what would be removed')
    .action(async (opts) => {
      const { clean } = await import('./commands/clean.js');
      await clean({ cwd, io, dryRun: opts.dryRun ?? false });
    });

  program
    .command('doctor')
    .description(
      'check git, the store, leases, coordinators, orphans and agents; --fix repairs what is safe (exit 1: something needs you)',
    )
    .option('--fix', 'repair what is safe and say what was done')
    .option('--json', 'print JSON')
    .action(async (opts: { fix?: boolean; json?: boolean }) => {
      const { doctor } = await import('../doctor/doctor.js');
      await doctor({ cwd, io, fix: opts.fix ?? false, json: opts.json ?? false });
    });
}
