import { execFileSync } from 'node:child_process';

/** Live (non-zombie) processes of a process group, as `ps` sees them: `pid stat comm` each. */
export function liveMembers(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !f[2]?.startsWith('Z'))
    .map((f) => f.join(' '));
}
