import { describe, expect, test } from 'vitest'
import { type MakeStore, useStores } from './harness.js'

/** Loop-guard fingerprints with their time to live, and named marks. */
export function describeMarksContract(makeStore: MakeStore): void {
  describe('marks', () => {
    const open = useStores(makeStore)

    test('a fingerprint is known until it expires, then pruned', async () => {
      const store = await open()
      const { marks } = store
      expect(marks.hasFingerprint('fp', 0)).toBe(false)
      marks.recordFingerprint('fp', 100)
      marks.recordFingerprint('other', 300)
      expect(marks.hasFingerprint('fp', 99)).toBe(true)
      expect(marks.hasFingerprint('fp', 100)).toBe(false)
      expect(store.counts().fingerprints).toBe(2)
      expect(marks.pruneFingerprints(100)).toBe(1)
      expect(marks.pruneFingerprints(100)).toBe(0)
      expect(marks.hasFingerprint('other', 299)).toBe(true)
      expect(store.counts().fingerprints).toBe(1)
    })

    test('recording a fingerprint again keeps the later expiry', async () => {
      const { marks } = await open()
      marks.recordFingerprint('fp', 500)
      marks.recordFingerprint('fp', 200)
      expect(marks.hasFingerprint('fp', 400)).toBe(true)
      marks.recordFingerprint('fp', 900)
      expect(marks.hasFingerprint('fp', 800)).toBe(true)
    })

    test('a mark is null until set, then the last value set', async () => {
      const a = await open()
      const b = await open()
      expect(a.marks.get('missed-call:+33612345678')).toBeNull()
      a.marks.set('missed-call:+33612345678', 1_000)
      a.marks.set('missed-call:+33612345678', 2_000)
      a.marks.set('sync:last-run', 0)
      expect(b.marks.get('missed-call:+33612345678')).toBe(2_000)
      expect(b.marks.get('sync:last-run')).toBe(0)
    })
  })
}
