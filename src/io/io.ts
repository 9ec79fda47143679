/** Where a command writes: stdout for results (JSON with `--json`), stderr for human notes. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (live redraws are allowed). */
  readonly isTTY: boolean;
}

/** The real terminal. Tests pass a recording `Io` instead. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};

/** An `Io` that keeps what was written, for tests and the library API. */
export function recordingIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTTY: false, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
}

/** Prints one JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
