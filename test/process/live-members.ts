import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Live (non-zombie) processes of a process group, as `ps` sees them: `pid stat comm` each. */
export async function liveMembers(pgid: number): Promise<string[]> {
  const { stdout: out } = await promisify(execFile)('ps', ['-eo', 'pid=,pgid=,stat=,comm='], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !f[2]?.startsWith('Z'))
    .map((f) => f.join(' '));
}
