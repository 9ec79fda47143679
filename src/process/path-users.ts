import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

/** A live process that works in a folder: its current directory or an open file is inside. */
export interface PathUser {
  pid: number;
  /** Its command name (`/proc/<pid>/comm`: `git`, `bash`, `node`). */
  command: string;
  /** The folder (of those asked about) it is in. */
  folder: string;
  /** Its process group. */
  group: number;
}

/**
 * The live processes (this one left out) whose current directory, or one of whose open files,
 * is inside one of `folders`: a git running there (`git -C` changes into it too: the one that
 * holds an `index.lock` while its editor is open, a run's task), a shell a person left there.
 * This process's children (its idle git shells and long-lived gits) are left out too. Read from
 * `/proc`; only processes of this user are readable, which is whose git can hold a lock here.
 * Empty where there is no `/proc`.
 */
export function processesUsing(folders: readonly string[]): PathUser[] {
  const roots = folders.flatMap((folder) => {
    try {
      return [{ folder, real: realpathSync(folder) }];
    } catch {
      return [];
    }
  });
  if (roots.length === 0) return [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const inside = (target: string) =>
    roots.find((r) => target === r.real || target.startsWith(r.real + sep))?.folder;
  const users: PathUser[] = [];
  for (const pid of pids) {
    const folder = inside(link(`/proc/${pid}/cwd`)) ?? openFileInside(pid, inside);
    if (folder === undefined) continue;
    let command: string;
    let fields: string[];
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses; cut at the last ')'.
      fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      continue; // Gone meanwhile.
    }
    // This process's own helpers are idle while it asks: the git shells (`shell-pool.ts`) stay
    // in the folder of their last git command, the long-lived gits in theirs.
    if (Number(fields[1]) === process.pid) continue;
    users.push({ pid: Number(pid), command, folder, group: Number(fields[2]) });
  }
  return users;
}

function openFileInside(pid: string, inside: (target: string) => string | undefined): string | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined; // Not ours, or gone.
  }
  for (const fd of fds) {
    const folder = inside(link(`/proc/${pid}/fd/${fd}`));
    if (folder !== undefined) return folder;
  }
  return undefined;
}

function link(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
