/**
 * Seeded PRNG (mulberry32): deterministic worlds and fault draws, so a failing run can be replayed
 * with the same seed. Not for anything security-related.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(items: readonly T[]): T
  /** Lower-case hex string of `length` characters. */
  hex(length: number): string
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed)
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[Math.floor(next() * items.length)] as T
    },
    hex: (length) => {
      let out = ''
      // 8 hex digits per draw: ids for 100k generated calls would otherwise churn the GC.
      while (out.length < length) out += (Math.floor(next() * 4294967296) >>> 0).toString(16).padStart(8, '0')
      return out.length === length ? out : out.slice(0, length)
    },
  }
  return rng
}

/** Hash a string to a 32-bit seed so named sub-streams stay independent of each other's draw counts. */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 2166136261
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0)
    h = Math.imul(h, 16777619)
  }
  return h >>> 0
}
