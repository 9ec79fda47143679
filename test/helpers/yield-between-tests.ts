import { afterEach } from 'vitest';

// A file of tests that never wait on I/O (pure functions, synchronous SQLite) chains them through
// microtasks alone. Vitest's worker answers its runner over IPC
// with a 60 s limit ("Timeout calling onTaskUpdate"); on a busy machine a whole file can take
// longer. One macrotask turn after each test lets the worker read those answers in time.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
