import { createRequire } from 'node:module';

type YamlLibrary = typeof import('yaml');

let library: YamlLibrary | undefined;

/**
 * The `yaml` library, loaded on first use: reading a JSON plan never needs it, and loading it
 * is a good part of a command's start. Synchronous (the library is CommonJS under node), so
 * the plan parser stays a pure synchronous function.
 */
export function yamlLibrary(): YamlLibrary {
  library ??= createRequire(import.meta.url)('yaml') as YamlLibrary;
  return library;
}
