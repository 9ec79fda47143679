// V8's code cache for a classic script (read-script-runner.cts): the bytecode of a script's
// functions, kept between runs so a short command compiles nothing. Node 20 has no
// module.enableCompileCache; `vm.Script` takes and produces the same data (`cachedData`).
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import vm = require('node:vm');

/** First bytes of a cache file; bump when the layout below changes. */
const MAGIC = Buffer.from('msv8cc01');
/**
 * The header: magic, source length, data length (uint32 LE each); then the source, then the
 * data twice. The second copy is the payload's check: comparing two buffers is a memcmp of
 * microseconds, where a checksum computed in JS costs milliseconds of a cold start (node 20 has no
 * native CRC but in node:crypto, whose load costs more still).
 */
const HEADER = MAGIC.length + 8;
/** A cache file larger than this is not ours: not read. */
const MAX_FILE = 32 * 1024 * 1024;

/** A script compiled with the cache when one was valid, and how to refresh the cache. */
interface CachedScript {
  script: vm.Script;
  /** True when V8 took the cached code (nothing compiled eagerly, lazily compiled code reused). */
  cacheUsed: boolean;
  /**
   * Writes the cache for this source (call after the script ran, so the functions compiled while
   * it ran are in it) unless the one read was taken. Never throws: a cache is an optimisation.
   */
  save(): void;
}

/**
 * The private folder the cache lives in: `$XDG_CACHE_HOME/milestone` (absolute only), else
 * `~/.cache/milestone`, created with mode 0700. `null`, and no cache, where it is not a real
 * folder owned by this user that no one else can write (a symlink, another owner, group- or
 * world-writable), or on a system without user ids.
 */
function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'milestone');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const found = fs.lstatSync(dir);
    return found.isDirectory() && found.uid === uid && (found.mode & 0o022) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/**
 * Compiles `source` (UTF-8; named `filename` in stack traces) as a classic script, with the cache file
 * `name` of `dir` when it holds code for exactly this source: same bytes of source (kept in the
 * file and compared), same V8 version and architecture (in the name), an intact payload (its
 * length, and its two copies equal; V8's own check of its data is its version and flags, not the
 * bytes). Anything else, a missing, truncated, corrupt or foreign file included, is ignored: the
 * script compiles as without a cache, and `save` replaces the file. `dir` null: no cache at all.
 */
function compileCached(source: Buffer, filename: string, dir: string | null, name: string): CachedScript {
  const file = dir && path.join(dir, `${name}-${process.arch}-v8-${process.versions.v8}.bin`);
  const cachedData = file ? readCache(file, source) : undefined;
  const script = new vm.Script(source.toString(), { filename, ...(cachedData ? { cachedData } : {}) });
  const cacheUsed = cachedData !== undefined && script.cachedDataRejected === false;
  return {
    script,
    cacheUsed,
    save: () => {
      if (!file || cacheUsed) return;
      try {
        writeCache(file, source, script.createCachedData());
      } catch {
        // A full disk or a folder that changed under us: the next run compiles again.
      }
    },
  };
}

/**
 * A cache file's name for the script at `file`: `prefix` and a hash of the script's path, one per
 * installation, so two builds run one after the other (a benchmark alternating two checkouts,
 * the tests of two clones, two installed versions) each keep their cache instead of replacing each
 * other's at every run; a rebuild replaces its own.
 */
function installationName(prefix: string, file: string): string {
  // FNV-1a, 32 bits: a name, not a check (the cache file holds the source it was made from).
  let hash = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) hash = Math.imul(hash ^ file.charCodeAt(i), 0x01000193);
  return `${prefix}-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/** The cached data in `file` for `source`, or undefined when there is none valid. */
function readCache(file: string, source: Buffer): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const found = fs.fstatSync(fd);
    if (!found.isFile() || found.uid !== process.getuid?.() || found.size > MAX_FILE) return undefined;
    const bytes = Buffer.alloc(found.size);
    if (fs.readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length || bytes.length < HEADER)
      return undefined;
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const sourceLength = bytes.readUInt32LE(MAGIC.length);
    const dataLength = bytes.readUInt32LE(MAGIC.length + 4);
    if (sourceLength !== source.length || HEADER + sourceLength + 2 * dataLength !== bytes.length)
      return undefined;
    if (!bytes.subarray(HEADER, HEADER + sourceLength).equals(source)) return undefined;
    const data = bytes.subarray(HEADER + sourceLength, HEADER + sourceLength + dataLength);
    return data.equals(bytes.subarray(HEADER + sourceLength + dataLength)) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Replaces `file` at once (a new file beside it, renamed over it): readers see the old or the new. */
function writeCache(file: string, source: Buffer, data: Buffer): void {
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt32LE(source.length, MAGIC.length);
  header.writeUInt32LE(data.length, MAGIC.length + 4);
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    try {
      fs.writeSync(fd, Buffer.concat([header, source, data, data]));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    // A full disk: no half-written file left beside the cache.
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

export = { codeCacheDir, compileCached, installationName };
