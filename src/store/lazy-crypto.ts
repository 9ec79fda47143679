import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
let loaded: Crypto | undefined;

/**
 * `node:crypto`, loaded on first use: compiling it costs 12–20 ms of a process's start here,
 * more than the rest of a `status` read, which needs it only to write a file or to name a
 * conflicted task's worktree.
 */
export function lazyCrypto(): Crypto {
  loaded ??= createRequire(import.meta.url)('node:crypto') as Crypto;
  return loaded;
}
