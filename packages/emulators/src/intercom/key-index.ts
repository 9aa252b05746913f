/**
 * Equality indexes over workspace records, so the searches an integration sends most (a phone, an email, a
 * contact's conversations) touch the few matching records instead of every record. An index is built on first use
 * and then maintained record by record, so seeding 100,000 contacts costs nothing for an index nobody queries.
 */

/** key → records holding that key, for one derived key set per record (a phone, or a conversation's contact ids). */
export class KeyIndex<T extends object> {
  /** Most keys belong to one record: it is stored bare, and a Set only once a second record shares the key. */
  private byKey: Map<string, T | Set<T>> | null = null
  /** The keys each record was filed under, so a record that changed can be unfiled without recomputing them. */
  private readonly filed = new Map<T, readonly string[]>()

  constructor(
    private readonly keysOf: (record: T) => readonly string[],
    private readonly all: () => Iterable<T>,
  ) {}

  /** Records filed under `key`. Callers still apply their full predicate to what they get. */
  lookup(key: string): Iterable<T> | undefined {
    const found = this.built().get(key)
    return found === undefined || found instanceof Set ? found : [found]
  }

  add(record: T): void {
    const byKey = this.byKey
    if (byKey === null) return
    const keys = this.keysOf(record)
    this.filed.set(record, keys)
    for (const key of keys) {
      const found = byKey.get(key)
      if (found === undefined) byKey.set(key, record)
      else if (found instanceof Set) found.add(record)
      else if (found !== record) byKey.set(key, new Set([found, record]))
    }
  }

  remove(record: T): void {
    const byKey = this.byKey
    if (byKey === null) return
    for (const key of this.filed.get(record) ?? []) {
      const found = byKey.get(key)
      if (found === record) byKey.delete(key)
      else if (found instanceof Set) {
        found.delete(record)
        if (found.size === 0) byKey.delete(key)
      }
    }
    this.filed.delete(record)
  }

  /** Refiles a record whose keyed fields may have changed. */
  update(record: T): void {
    if (this.byKey === null) return
    const before = this.filed.get(record)
    const after = this.keysOf(record)
    if (before !== undefined && sameKeys(before, after)) return
    this.remove(record)
    this.add(record)
  }

  /** Forgets everything; the next lookup rebuilds from `all`. */
  reset(): void {
    this.byKey = null
    this.filed.clear()
  }

  private built(): Map<string, T | Set<T>> {
    if (this.byKey === null) {
      this.byKey = new Map()
      for (const record of this.all()) this.add(record)
    }
    return this.byKey
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i])
}

/** The key set of a single nullable key. */
export function keyOf(value: string | null): readonly string[] {
  return value === null ? [] : [value]
}

/** The order records were first stored in a Map, which every unindexed scan follows. */
export class InsertionOrder<T extends object> {
  private readonly seq = new Map<T, number>()
  private next = 0

  /** A record replacing another under the same Map key keeps that key's position. */
  add(record: T, replaced: T | undefined): void {
    const position = replaced === undefined ? undefined : this.seq.get(replaced)
    if (replaced !== undefined) this.seq.delete(replaced)
    this.seq.set(record, position ?? this.next++)
  }

  remove(record: T): void {
    this.seq.delete(record)
  }

  reset(): void {
    this.seq.clear()
    this.next = 0
  }

  /** `records` in the order a scan of the Map would meet them. */
  sort(records: Iterable<T>): T[] {
    const out = [...records]
    if (out.length > 1) out.sort((a, b) => (this.seq.get(a) ?? 0) - (this.seq.get(b) ?? 0))
    return out
  }

  /** The record met first by a scan of the Map, among `records`. */
  first(records: Iterable<T>): T | undefined {
    let best: T | undefined
    let bestSeq = Infinity
    for (const record of records) {
      const seq = this.seq.get(record) ?? Infinity
      if (seq < bestSeq) {
        best = record
        bestSeq = seq
      }
    }
    return best
  }
}

export interface MapObserver<V> {
  added(value: V, replaced: V | undefined): void
  removed(value: V): void
  cleared(): void
}

/** A Map that tells its observer about every write, so a record stored by any route is indexed. */
export class ObservedMap<K, V> extends Map<K, V> {
  private observer: MapObserver<V> | undefined

  constructor(observer: MapObserver<V>) {
    super()
    this.observer = observer
  }

  override set(key: K, value: V): this {
    const replaced = super.get(key)
    super.set(key, value)
    this.observer?.added(value, replaced)
    return this
  }

  override delete(key: K): boolean {
    const value = super.get(key)
    const deleted = super.delete(key)
    if (deleted && value !== undefined) this.observer?.removed(value)
    return deleted
  }

  override clear(): void {
    super.clear()
    this.observer?.cleared()
  }
}
