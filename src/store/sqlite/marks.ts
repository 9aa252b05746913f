import type { Marks } from '../marks.js'
import type { SqliteConnection } from './connection.js'

export class SqliteMarks implements Marks {
  constructor(private readonly c: SqliteConnection) {}

  recordFingerprint(fingerprint: string, expiresAt: number): void {
    this.c.beforeWrite()
    this.c
      .sql(
        `INSERT INTO fingerprints (fingerprint, expires_at) VALUES (?, ?)
         ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
      )
      .run(fingerprint, expiresAt)
  }

  hasFingerprint(fingerprint: string, now: number): boolean {
    return (
      this.c.sql('SELECT 1 FROM fingerprints WHERE fingerprint = ? AND expires_at > ?').get(fingerprint, now) !==
      undefined
    )
  }

  pruneFingerprints(now: number): number {
    this.c.beforeWrite()
    return this.c.sql('DELETE FROM fingerprints WHERE expires_at <= ?').run(now).changes
  }

  get(key: string): number | null {
    const row = this.c.sql('SELECT at FROM marks WHERE key = ?').get(key) as { at: number } | undefined
    return row?.at ?? null
  }

  set(key: string, at: number): void {
    this.c.beforeWrite()
    this.c.sql('INSERT INTO marks (key, at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET at = excluded.at').run(key, at)
  }
}
