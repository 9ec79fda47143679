import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { generatePlan } from '../../bench/generate-plan.js';

/**
 * What `milestone plan --from` of the 2,000-task bench plan (bench/generate-plan.ts, seed 11)
 * prints and stores, as one sha256 per output: its text and `--json` output, `plan.json`,
 * `milestone.yaml`, the five planning artifacts, the stored events and `show --json`. What
 * differs between runs by nature (the temporary folder, times, the run id, the analyses' wall
 * time) is replaced by a placeholder first. `cli` is a built `dist/cli/main.js`; the fixture
 * `plan-import-2k.json` beside this file holds the digest of the build before issue 11's
 * `plan --from` work:
 *
 *   node --import tsx test/plan/plan-import-digest.ts /work/main/dist/cli/main.js
 */
export async function planImportDigest(
  cli: string,
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'milestone-plan-digest-')));
  try {
    const repo = join(root, 'repo');
    await repository(repo);
    writeFileSync(join(repo, 'plan.json'), JSON.stringify(generatePlan({ tasks: 2000, seed: 11 })));
    const normalize = (text: string) =>
      text
        .replaceAll(root, '<root>')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
        .replace(/"analysisMs": ?[\d.e+-]+/g, '"analysisMs":0')
        .replace(/"runId": ?"[0-9a-f]{12}"/g, '"runId":"<run>"');
    const digest: Record<string, string> = {};
    const record = (name: string, text: string) => {
      digest[name] = createHash('sha256').update(normalize(text)).digest('hex');
    };
    record('plan stdout', await run(cli, ['plan', '--from', 'plan.json'], repo, env));
    const dir = join(repo, '.milestones', 'bench-plan');
    for (const file of ['plan.json', 'milestone.yaml']) record(file, readFileSync(join(dir, file), 'utf8'));
    for (const file of readdirSync(join(dir, 'planning')).sort())
      record(`planning/${file}`, readFileSync(join(dir, 'planning', file), 'utf8'));
    const db = new Database(join(repo, '.milestones', '.local', 'store.db'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT milestone_id, seq, type, data FROM events ORDER BY milestone_id, seq')
        .all() as Array<{ data: string }>;
      record('events', JSON.stringify(rows.map((row) => ({ ...row, data: JSON.parse(row.data) }))));
    } finally {
      db.close();
    }
    record('show --json', await run(cli, ['show', '--json', 'bench-plan'], repo, env));
    record(
      'plan --json stdout',
      await run(cli, ['plan', '--from', 'plan.json', '--id', 'bench-plan-json', '--json'], repo, env),
    );
    return digest;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A repository some of the plan's globs match, with a little history for churn. */
async function repository(repo: string): Promise<void> {
  const files: Record<string, string> = {
    'README.md': '# bench\n',
    'src/area-1/mod-1/file-1.ts': 'export const a = 1;\n',
    'src/area-1/mod-1/session-store.ts': 'export const b = 1;\n',
    'src/area-2/mod-3/index.ts': 'export const c = 1;\n',
    'test/area-4/one.test.ts': 'test;\n',
    'docs/area-5.md': '# area 5\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'first');
  writeFileSync(join(repo, 'src/area-1/mod-1/file-1.ts'), 'export const a = 2;\n');
  await git(repo, 'commit', '-q', '-am', 'second');
}

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  NO_COLOR: '1',
};

function git(cwd: string, ...args: string[]): Promise<string> {
  return spawnText('git', args, cwd);
}

function run(cli: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return spawnText(process.execPath, [cli, ...args], cwd, env);
}

function spawnText(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

// `node --import tsx test/plan/plan-import-digest.ts CLI`: prints the digest of that build.
if (process.argv[1] && import.meta.filename === realpathSync(process.argv[1])) {
  planImportDigest(process.argv[2]!).then((digest) => console.log(JSON.stringify(digest, null, 2)));
}
