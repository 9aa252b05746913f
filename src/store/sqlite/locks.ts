import type { LockHolder, Locks, NamedLock } from '../locks.js'
import type { SqliteConnection } from './connection.js'

export class SqliteLocks implements Locks {
  constructor(private readonly c: SqliteConnection) {}

  acquire(name: string, owner: string, now: number, ttlMs: number): boolean {
    return this.c.transaction(() => {
      const existing = this.get(name)
      if (existing && existing.owner !== owner && existing.expiresAt > now) return false
      this.c
        .sql(
          `INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
        )
        .run(name, owner, now + ttlMs)
      return true
    })
  }

  renew(name: string, owner: string, now: number, ttlMs: number): boolean {
    this.c.beforeWrite()
    const { changes } = this.c
      .sql('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?')
      .run(now + ttlMs, name, owner)
    return changes === 1
  }

  release(name: string, owner: string): void {
    this.c.beforeWrite()
    this.c.sql('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner)
  }

  get(name: string): LockHolder | undefined {
    const row = this.c.sql('SELECT owner, expires_at FROM locks WHERE name = ?').get(name) as
      { owner: string; expires_at: number } | undefined
    return row ? { owner: row.owner, expiresAt: row.expires_at } : undefined
  }

  list(prefix: string): NamedLock[] {
    const rows = this.c
      .sql('SELECT name, owner, expires_at FROM locks WHERE substr(name, 1, length(?)) = ? ORDER BY name')
      .all(prefix, prefix) as Array<{ name: string; owner: string; expires_at: number }>
    return rows.map((row) => ({ name: row.name, owner: row.owner, expiresAt: row.expires_at }))
  }

  purgeExpired(prefix: string, now: number): number {
    this.c.beforeWrite()
    return this.c
      .sql('DELETE FROM locks WHERE substr(name, 1, length(?)) = ? AND expires_at <= ?')
      .run(prefix, prefix, now).changes
  }
}
