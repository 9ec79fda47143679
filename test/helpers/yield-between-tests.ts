import { afterEach } from 'vitest';

// Tests that run the CLI synchronously (spawnSync) block the worker's event loop, and a file of
// such tests chains them through microtasks alone. Vitest's worker answers its runner over IPC
// with a 60 s limit ("Timeout calling onTaskUpdate"); on a busy machine a whole file can take
// longer. One macrotask turn after each test lets the worker read those answers in time.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
