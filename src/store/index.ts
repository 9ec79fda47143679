/** The durable runtime store: everything that writes runtime state goes through here. */
export { writeFileAtomic } from './atomic-file.js';
export { type AppendOptions, type EventQuery, PROJECTION_VERSION } from './event-log.js';
export {
  isLeaseStale,
  isSameHolder,
  type LeaseCheck,
  type LeaseClaimant,
  type LeaseHolder,
  type LeaseResult,
} from './lease.js';
export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './migrations.js';
export { isPidAlive } from './pid-alive.js';
export { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-dir.js';
export { StaleVersionError } from './stale-version-error.js';
export { BUSY_TIMEOUT_MS, openStore, STORE_FILE, type Store, type StoreOptions } from './store.js';
