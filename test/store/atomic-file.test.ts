import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTemp, writeFileAtomic, writeTempFile } from '../../src/store/atomic-file.js';
import { tempDir } from '../helpers/git-repo.js';

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temporary file behind', () => {
    const dir = tempDir();
    const file = join(dir, 'plan.json');
    writeFileAtomic(file, '{"v":1}\n');
    writeFileAtomic(file, new TextEncoder().encode('{"v":2}\n'));
    expect(readFileSync(file, 'utf8')).toBe('{"v":2}\n');
    expect(readdirSync(dir)).toEqual(['plan.json']);
  });

  it('gives the file exactly the mode asked, whatever the umask', () => {
    const dir = tempDir();
    writeFileAtomic(join(dir, 'secret'), 'x', 0o600);
    // 0666 survives only if the mode is set explicitly: a umask of 022 would make it 0644.
    writeFileAtomic(join(dir, 'shared'), 'x', 0o666);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'shared')).mode & 0o777).toBe(0o666);
  });

  it('replaces the path itself, not what a planted symlink points at', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'victim'), 'untouched');
    symlinkSync(join(dir, 'victim'), join(dir, 'state.json'));
    writeFileAtomic(join(dir, 'state.json'), 'new');
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('untouched');
    expect(statSync(join(dir, 'state.json')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('new');
  });

  it('cleans up its temporary file when the rename fails', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'keep'), '');
    expect(() => writeFileAtomic(join(dir, 'taken'), 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('never lets a concurrent reader see a partial file', async () => {
    const dir = tempDir();
    const file = join(dir, 'big');
    const stop = join(dir, 'stop');
    const size = 1 << 18;
    const versions = ['a', 'b'].map((letter) => letter.repeat(size));
    writeFileAtomic(file, versions[0]!);
    // A reader in another process counts reads that are neither version in full.
    const reader = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs'); let reads = 0, torn = 0;
       process.stdout.write('ready\\n');
       while (!fs.existsSync(${JSON.stringify(stop)})) {
         const s = fs.readFileSync(${JSON.stringify(file)}, 'utf8'); reads++;
         if (s.length !== ${size} || s[0] !== s[s.length - 1]) torn++;
       }
       console.log(JSON.stringify({ reads, torn }));`,
    ]);
    let output = '';
    reader.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('ready')) await once(reader.stdout, 'data');
    for (let i = 0; i < 100; i++) writeFileAtomic(file, versions[i % 2]!);
    writeFileSync(stop, '');
    await once(reader, 'exit');
    const { reads, torn } = JSON.parse(output.replace('ready', '')) as { reads: number; torn: number };
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  });
});

describe('writeTempFile (the one temporary-file write of writeFileAtomic, writeFilesAtomic and the new store)', () => {
  it('writes the content beside the path under a fresh hidden name with exactly the mode asked, the path untouched', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.json'), 'old');
    const first = writeTempFile(join(dir, 'state.json'), 'new content', 0o600);
    const second = writeTempFile(join(dir, 'state.json'), new TextEncoder().encode('more'));
    try {
      expect(first.temp).toMatch(new RegExp(`^${dir}/\\.state\\.json\\.[0-9a-f]{16}\\.tmp$`));
      expect(second.temp).not.toBe(first.temp);
      expect(fstatSync(first.fd).size).toBe('new content'.length);
      expect(readFileSync(first.temp, 'utf8')).toBe('new content');
      expect(statSync(first.temp).mode & 0o777).toBe(0o600);
      expect(readFileSync(second.temp, 'utf8')).toBe('more');
      expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('old');
    } finally {
      closeSync(first.fd);
      closeSync(second.fd);
    }
    removeTemp(first.temp);
    removeTemp(second.temp);
    // Removing one already gone is no error (a rename took it away).
    removeTemp(first.temp);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('fails in a folder that is not there, leaving nothing', () => {
    const dir = tempDir();
    expect(() => writeTempFile(join(dir, 'missing', 'file'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
