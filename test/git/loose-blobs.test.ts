import { describe, expect, it } from 'vitest';
import { LooseBlobPacker } from '../../src/git/loose-blobs.js';
import { runAsync } from '../helpers/async-cli.js';
import { git, gitRepo } from '../helpers/git-repo.js';

/** `git count-objects -v` as numbers: `count` (loose) and `in-pack`. */
async function objectCounts(root: string): Promise<Record<string, number>> {
  const lines = (await git(root, 'count-objects', '-v')).split('\n');
  return Object.fromEntries(lines.map((line) => line.split(': ')).map(([k, v]) => [k!, Number(v)]));
}

describe('LooseBlobPacker (landed files packed a batch at a time)', () => {
  it('packs a full batch of blobs in the background and removes their loose copies; the objects stay readable', async () => {
    const root = await gitRepo();
    const blobs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const made = await runAsync('git', ['hash-object', '-w', '--stdin'], {
        cwd: root,
        input: `file ${i}\n`,
      });
      blobs.push(made.stdout.trim());
    }
    const before = await objectCounts(root);
    const packer = new LooseBlobPacker(root, 3);
    packer.add(blobs.slice(0, 2));
    expect(packer.packs).toBe(0); // not a full batch yet
    packer.add([...blobs.slice(2), 'not an id']);
    await packer.close();
    expect(packer.packs).toBe(1);
    const after = await objectCounts(root);
    expect(after.count).toBe(before.count! - 5);
    expect(after['in-pack']).toBe(before['in-pack']! + 5);
    for (const [i, id] of blobs.entries()) expect(await git(root, 'cat-file', '-p', id)).toBe(`file ${i}`);
  });
});
