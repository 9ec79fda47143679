import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { isLeaseStale, type LeaseHolder } from '../../src/store/lease.js';
import { isPidAlive } from '../../src/store/pid-alive.js';
import { openStore, type Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/git-repo.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const STALE_AFTER_MS = 30_000;

/** The pid of a process that has run and exited: certainly not alive (pid reuse aside). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const { pid } = child;
  if (!pid) throw new Error('could not spawn node');
  await once(child, 'close');
  return pid;
}

function holder(overrides: Partial<LeaseHolder> = {}): LeaseHolder {
  return {
    pid: 100,
    host: 'here',
    startedAt: at(0).toISOString(),
    heartbeatAt: at(0).toISOString(),
    ...overrides,
  };
}

describe('isLeaseStale', () => {
  const me = { pid: 200, host: 'here' };
  const check = (seconds: number, alive: boolean) => ({
    now: at(seconds),
    staleAfterMs: STALE_AFTER_MS,
    isAlive: () => alive,
  });

  it('on this host, a dead holder is stale at once: resuming after kill -9 never waits', () => {
    expect(isLeaseStale(holder(), me, check(1, false))).toBe(true);
    expect(isLeaseStale(holder(), me, check(31, false))).toBe(true);
  });

  it('on this host, a live holder keeps its lease until its heartbeat is ten periods old (pid reuse)', () => {
    expect(isLeaseStale(holder(), me, check(31, true))).toBe(false);
    expect(isLeaseStale(holder(), me, check(299, true))).toBe(false);
    expect(isLeaseStale(holder(), me, check(301, true))).toBe(true);
  });

  it('on another host, goes by age alone without asking about the pid', () => {
    const isAlive = vi.fn(() => true);
    const remote = holder({ host: 'elsewhere' });
    expect(isLeaseStale(remote, me, { now: at(31), staleAfterMs: STALE_AFTER_MS, isAlive })).toBe(true);
    expect(isLeaseStale(remote, me, { now: at(29), staleAfterMs: STALE_AFTER_MS, isAlive })).toBe(false);
    expect(isAlive).not.toHaveBeenCalled();
  });

  it('takes an unreadable heartbeat as old', () => {
    expect(isLeaseStale(holder({ heartbeatAt: 'garbage' }), me, check(0, false))).toBe(true);
    expect(isLeaseStale(holder({ heartbeatAt: 'garbage', host: 'elsewhere' }), me, check(0, true))).toBe(
      true,
    );
  });
});

describe('isPidAlive', () => {
  it('sees this process alive and an exited one dead', async () => {
    const dead = await deadPid();
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(dead)).toBe(false);
    expect(isPidAlive(0)).toBe(false);
    expect(isPidAlive(-1)).toBe(false);
  });
});

describe('store leases', () => {
  const host = 'here';
  const options = (seconds: number) => ({
    now: at(seconds),
    staleAfterMs: STALE_AFTER_MS,
    isAlive: isPidAlive,
  });

  function withStore(use: (store: Store) => void): void {
    const store = openStore(tempDir());
    try {
      use(store);
    } finally {
      store.close();
    }
  }

  it('gives the lease to the first claimant and tells the second who holds it', async () => {
    const dead = await deadPid();
    withStore((store) => {
      const first = { pid: process.pid, host };
      expect(store.acquireLease('m', first, options(0))).toEqual({ acquired: true });
      const refused = store.acquireLease('m', { pid: dead, host }, options(1));
      expect(refused).toEqual({
        acquired: false,
        holder: expect.objectContaining({ pid: process.pid, host }),
      });
      expect(store.acquireLease('other', { pid: 7, host }, options(1))).toEqual({ acquired: true });
    });
  });

  it('lets the holder acquire again, keeping its start and renewing its heartbeat', () => {
    withStore((store) => {
      const me = { pid: process.pid, host };
      store.acquireLease('m', me, options(0));
      expect(store.acquireLease('m', me, options(100))).toEqual({ acquired: true });
      expect(store.lease('m')).toEqual({
        pid: process.pid,
        host,
        startedAt: at(0).toISOString(),
        heartbeatAt: at(100).toISOString(),
      });
    });
  });

  it('takes over at once a lease whose pid is dead on this host, and the old holder learns it lost it', async () => {
    const dead = await deadPid();
    withStore((store) => {
      const crashed = { pid: dead, host };
      store.acquireLease('m', crashed, options(0));
      const me = { pid: process.pid, host };
      const taken = store.acquireLease('m', me, options(1));
      expect(taken).toEqual({
        acquired: true,
        tookOverFrom: expect.objectContaining({ pid: crashed.pid, host }),
      });
      expect(store.lease('m')).toMatchObject({ pid: process.pid, startedAt: at(1).toISOString() });
      expect(store.heartbeat('m', crashed, at(32))).toBe(false);
    });
  });

  it('does not take over a lease whose pid is still alive on this host, until a pid reuse is likely', async () => {
    const dead1 = await deadPid();
    const dead2 = await deadPid();
    withStore((store) => {
      store.acquireLease('m', { pid: process.pid, host }, options(0));
      const result = store.acquireLease('m', { pid: dead1, host }, options(200));
      expect(result).toEqual({ acquired: false, holder: expect.objectContaining({ pid: process.pid }) });
      expect(store.acquireLease('m', { pid: dead2, host }, options(3600))).toMatchObject({
        acquired: true,
      });
    });
  });

  it('stays fresh while the holder heartbeats', async () => {
    const dead = await deadPid();
    withStore((store) => {
      // A holder on another host: only its heartbeat keeps the lease.
      const holderProcess = { pid: dead, host: 'elsewhere' };
      store.acquireLease('m', holderProcess, options(0));
      for (const seconds of [20, 40, 60]) expect(store.heartbeat('m', holderProcess, at(seconds))).toBe(true);
      const me = { pid: process.pid, host };
      expect(store.acquireLease('m', me, options(85))).toMatchObject({ acquired: false });
      expect(store.acquireLease('m', me, options(91))).toMatchObject({ acquired: true });
    });
  });

  it('releases only for its holder', () => {
    withStore((store) => {
      const me = { pid: process.pid, host };
      store.acquireLease('m', me, options(0));
      store.releaseLease('m', { pid: 1, host });
      expect(store.lease('m')).toMatchObject({ pid: process.pid });
      store.releaseLease('m', me);
      expect(store.lease('m')).toBeUndefined();
      expect(store.heartbeat('m', me, at(1))).toBe(false);
      expect(store.acquireLease('m', { pid: 7, host }, options(1))).toEqual({ acquired: true });
    });
  });
});
