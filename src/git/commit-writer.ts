import { commitTree } from './commit.js';
import { gitEnv, gitExec } from './git-exec.js';
import { identityArgs } from './identity.js';
import { GitLineProcess, type GitProcessOptions } from './line-process.js';
import { ObjectWriter } from './object-writer.js';
import { assertRevision } from './ref-names.js';
import { rememberCommitTree } from './tree-memory.js';

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** `Name <email> <seconds> <+hhmm>`: git's ident line. */
const IDENT = /^(.*>) (\d+) ([+-]\d{4})$/;

interface Identity {
  /** git's config and variables as `git var -l` lists them (names lower-cased). */
  values: Map<string, string>;
  author: string;
  committer: string;
  /** Dates fixed by `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE`: kept as git gave them. */
  fixedAuthor: boolean;
  fixedCommitter: boolean;
}

/**
 * Writes commits of a known tree and parents (what `git commit-tree` does) through one
 * long-lived `git hash-object -w -t commit --stdin-paths` per run: git checks and stores each
 * commit object, and no commit costs a process. The author and committer are git's own
 * (`git var`, once), with the time of each commit. A repository that signs commits
 * (`commit.gpgSign`) or sets `i18n.commitEncoding` gets `git commit-tree` for each commit.
 */
export class CommitWriter {
  private identity: Promise<Identity | null> | null = null;
  private readonly hasher: ObjectWriter;
  private readonly resolver: GitLineProcess;

  constructor(
    private readonly cwd: string,
    options: GitProcessOptions = {},
  ) {
    this.hasher = new ObjectWriter(cwd, 'commit', options);
    this.resolver = new GitLineProcess(
      cwd,
      ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
      options,
    );
  }

  /**
   * git's settings here (`git var -l`: config and identity, names lower-cased), or null when
   * this writer leaves commits to `git commit-tree` (signing, another encoding, no identity).
   */
  async settings(): Promise<ReadonlyMap<string, string> | null> {
    if (!this.identity) this.identity = this.readIdentity();
    return (await this.identity)?.values ?? null;
  }

  /** The type of each object (`tree`, `blob`, ...), or null for one the repository lacks; one round trip. */
  objectTypes(ids: readonly string[]): Promise<Array<string | null>> {
    return Promise.all(
      ids.map(async (id) => {
        if (!OBJECT_ID.test(id)) return null;
        const [, type] = (await this.resolver.ask(id)).split(' ');
        return type === undefined || type === 'missing' ? null : type;
      }),
    );
  }

  /** The id of the tree a revision names (e.g. `<commit>^{tree}`), through one long-lived `cat-file`. */
  async treeOf(commit: string): Promise<string> {
    assertRevision(commit, 'commit');
    const answer = await this.resolver.ask(`${commit}^{tree}`);
    const [id, type] = answer.split(' ');
    if (type !== 'tree' || !id || !OBJECT_ID.test(id)) throw new Error(`${commit} names no tree: ${answer}`);
    return id;
  }

  /** Writes a commit of `tree` with `parents` (no branch moves) and returns its id. */
  async write(tree: string, parents: readonly string[], message: string): Promise<string> {
    if (!this.identity) this.identity = this.readIdentity();
    const identity = await this.identity;
    if (!identity || !OBJECT_ID.test(tree) || !parents.every((p) => OBJECT_ID.test(p))) {
      const id = await commitTree(this.cwd, tree, parents, message);
      if (OBJECT_ID.test(tree)) rememberCommitTree(id, tree);
      return id;
    }
    const now = new Date();
    const text = [
      `tree ${tree}`,
      ...parents.map((p) => `parent ${p}`),
      `author ${identity.fixedAuthor ? identity.author : stamp(identity.author, now)}`,
      `committer ${identity.fixedCommitter ? identity.committer : stamp(identity.committer, now)}`,
      '',
      message,
    ].join('\n');
    const id = await this.hasher.writeData(text);
    // The slot switch and the landing ask for this commit's tree next (tree-memory.ts).
    rememberCommitTree(id, tree);
    return id;
  }

  /** Ends both processes and removes the private folder. */
  async close(): Promise<void> {
    await Promise.all([this.hasher.close(), this.resolver.close()]);
  }

  /** git's author and committer here (config, `GIT_*` variables, the identity fallback), or null: use commit-tree. */
  private async readIdentity(): Promise<Identity | null> {
    try {
      const { stdout } = await gitExec(this.cwd, [...(await identityArgs(this.cwd)), 'var', '-l']);
      const values = new Map<string, string>();
      for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) values.set(line.slice(0, eq).toLowerCase(), line.slice(eq + 1));
      }
      const signs = /^(true|yes|on|1)$/i.test(values.get('commit.gpgsign') ?? '');
      const encoding = values.get('i18n.commitencoding');
      const author = values.get('git_author_ident');
      const committer = values.get('git_committer_ident');
      if (signs || (encoding && !/^utf-?8$/i.test(encoding)) || !author || !committer) return null;
      if (!IDENT.test(author) || !IDENT.test(committer)) return null;
      const env = gitEnv();
      return {
        values,
        author,
        committer,
        fixedAuthor: env.GIT_AUTHOR_DATE !== undefined,
        fixedCommitter: env.GIT_COMMITTER_DATE !== undefined,
      };
    } catch {
      return null;
    }
  }
}

/** The ident with the time replaced by `now` in the local time zone, as git writes it. */
function stamp(ident: string, now: Date): string {
  const name = IDENT.exec(ident)![1]!;
  const offset = -now.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${name} ${Math.floor(now.getTime() / 1000)} ${zone}`;
}
