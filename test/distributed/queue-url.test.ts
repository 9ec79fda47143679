import { describe, expect, it } from 'vitest';
import { jobId, queueName, taskJobSchema } from '../../src/distributed/job-schema.js';
import { parseQueueUrl, redisOptions } from '../../src/distributed/queue-url.js';
import { queueOf } from '../../src/distributed/queued-execute.js';
import { attemptBranch, isTaskRef } from '../../src/distributed/task-refs.js';

describe('queue URLs', () => {
  it('shows a password-protected URL without its password, and hands the password to Redis only', () => {
    const url = parseQueueUrl('redis://ops:s3cr%40t@redis.internal:6380/2');
    expect(url.display).toBe('redis://ops:***@redis.internal:6380/2');
    expect(url.display).not.toContain('s3cr');
    expect(redisOptions(url)).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'ops',
      password: 's3cr@t',
    });
  });

  it('uses TLS for rediss:// and takes the password from MILESTONE_QUEUE_PASSWORD when the URL has none', () => {
    const url = queueOf(undefined, 'rediss://redis.example.com', { MILESTONE_QUEUE_PASSWORD: 'hunter2' })!;
    expect(url.tls).toBe(true);
    expect(url.display).toBe('rediss://:***@redis.example.com:6379/0');
    expect(redisOptions(url)).toMatchObject({
      password: 'hunter2',
      tls: { servername: 'redis.example.com' },
    });
    expect(queueOf(undefined, null, {})).toBeNull();
  });

  it('refuses other schemes and bad databases with a message naming where the URL came from', () => {
    expect(() => queueOf('http://x', null, {})).toThrow(/--queue: must start with redis:\/\/ or rediss:\/\//);
    expect(() => queueOf(undefined, 'redis://x/99', {})).toThrow(
      /config queue: the database after \/ must be 0 to 15/,
    );
    expect(() => parseQueueUrl('not a url')).toThrow(/--queue: not a URL/);
  });
});

describe('job payloads', () => {
  const job = {
    version: 1,
    milestoneId: 'login',
    attempt: 1,
    agent: 'shell',
    startPoint: 'a'.repeat(40),
    task: { id: 'api', title: 'API', phase: 'execute', files: [], run: 'true' },
    timeoutMs: 60_000,
    graceMs: 5000,
    trailers: { 'Milestone-Run': 'abc123' },
    commitType: null,
  };

  it('accepts a well-formed job and refuses ids with paths, extra fields (no env) and short commit ids', () => {
    expect(taskJobSchema.safeParse(job).success).toBe(true);
    expect(taskJobSchema.safeParse({ ...job, milestoneId: '../etc' }).success).toBe(false);
    expect(taskJobSchema.safeParse({ ...job, env: { TOKEN: 'x' } }).success).toBe(false);
    expect(taskJobSchema.safeParse({ ...job, startPoint: 'abc' }).success).toBe(false);
    expect(taskJobSchema.safeParse({ ...job, trailers: { 'Bad Key\n': 'x' } }).success).toBe(false);
  });

  it('names queues per agent and jobs per milestone, task, lineage and attempt', () => {
    expect(queueName('claude')).toBe('tasks-claude');
    expect(() => queueName('a:b')).toThrow();
    expect(jobId('login', 'api', 'run-1', 3)).toBe('login.api.run-1.a3');
  });

  it('lets workers push only per-attempt branches under the milestone task namespace', () => {
    const branch = attemptBranch('login', 'api', 2, 'beef1234');
    expect(branch).toBe('milestone/login.tasks/api.a2-beef1234');
    expect(isTaskRef('login', `refs/heads/${branch}`)).toBe(true);
    expect(isTaskRef('login', 'refs/heads/main')).toBe(false);
    expect(isTaskRef('login', 'refs/heads/milestone/login')).toBe(false);
    expect(isTaskRef('other', `refs/heads/${branch}`)).toBe(false);
    expect(() => attemptBranch('login', '../x', 1, 'beef1234')).toThrow();
  });
});
