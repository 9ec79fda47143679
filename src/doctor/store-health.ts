import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../store/migrations.js';
import type { Finding } from './finding.js';

/** What the store checks found, and whether the store can be read for the checks after. */
export interface StoreHealth {
  findings: Finding[];
  /** The store exists, opens and passes the integrity check. */
  readable: boolean;
  /** Its schema version (`PRAGMA user_version`), when it could be read. */
  schema: number | null;
}

/**
 * Runs `PRAGMA integrity_check` and reads the schema version of the store at `file`, read-only:
 * nothing is created, migrated or repaired here.
 */
export function checkStore(file: string): StoreHealth {
  if (!existsSync(file))
    return {
      findings: [{ check: 'store', status: 'ok', message: 'no store yet (nothing was planned here)' }],
      readable: false,
      schema: null,
    };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length > 0)
      return { findings: [corrupt(file, problems.slice(0, 3).join('; '))], readable: false, schema: null };
    const schema = db.pragma('user_version', { simple: true }) as number;
    return {
      findings: [
        { check: 'store', status: 'ok', message: `${file} passes PRAGMA integrity_check` },
        schemaFinding(file, schema),
      ],
      readable: true,
      schema,
    };
  } catch (error) {
    return { findings: [corrupt(file, (error as Error).message)], readable: false, schema: null };
  } finally {
    db?.close();
  }
}

function corrupt(file: string, why: string): Finding {
  return {
    check: 'store',
    status: 'person',
    message: `${file} is damaged: ${why}`,
    action: `stop every milestone command, move the file aside (mv ${file} ${file}.damaged) and restore a backup; the plans stay in .milestones/<id>/ and landed work in git (Task-Id trailers)`,
  };
}

function schemaFinding(file: string, schema: number): Finding {
  if (schema === SCHEMA_VERSION)
    return { check: 'schema', status: 'ok', message: `schema version ${schema}` };
  if (schema > SCHEMA_VERSION)
    return {
      check: 'schema',
      status: 'person',
      message: `${file} has schema version ${schema}, newer than this milestone reads (${SCHEMA_VERSION})`,
      action: 'upgrade milestone',
    };
  return {
    check: 'schema',
    status: 'fixable',
    message: `${file} has schema version ${schema}, older than ${SCHEMA_VERSION}`,
    action: '`milestone doctor --fix` upgrades it (so does any command that writes)',
  };
}
