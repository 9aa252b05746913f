export { asyncSqliteStore } from './async-store.js'
export { openStateStore, openStoreSnapshot } from './open.js'
export { SqliteStateStore, type SqliteStoreOptions } from './state-store.js'
export { StoreError } from '../store-file-errors.js'
