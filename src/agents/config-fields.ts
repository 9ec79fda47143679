import { z } from 'zod';

/** `env:` of an agent entry: extra variables for its process. */
export const envSchema = z.record(z.string(), z.string(), { error: 'must map names to strings' });

/** `binary:` of a coding agent: the program to run instead of the default name. */
export const binarySchema = z.string().min(1, 'must not be empty');

/** `extraArgs:` of a coding agent: arguments appended as given. */
export const extraArgsSchema = z.array(z.string(), { error: 'must be a list of strings' });

/** A list of tool rules or commands, each non-empty. */
export const ruleListSchema = z.array(z.string().min(1, 'must not be empty'), {
  error: 'must be a list of strings',
});

/** Drops the keys whose value is `undefined`: zod's optional fields become truly optional ones. */
export function definedFields<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
