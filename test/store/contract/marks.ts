import { describe, expect, test } from 'vitest'
import { type MakeStore, useStores } from './harness.js'

/** Loop-guard fingerprints with their time to live, and named marks. */
export function describeMarksContract(makeStore: MakeStore): void {
  describe('marks', () => {
    const open = useStores(makeStore)

    test('a fingerprint is known until it expires, then pruned', async () => {
      const store = await open()
      const { marks } = store
      expect(await marks.hasFingerprint('fp', 0)).toBe(false)
      await marks.recordFingerprint('fp', 100)
      await marks.recordFingerprint('other', 300)
      expect(await marks.hasFingerprint('fp', 99)).toBe(true)
      expect(await marks.hasFingerprint('fp', 100)).toBe(false)
      expect((await store.counts()).fingerprints).toBe(2)
      expect(await marks.pruneFingerprints(100)).toBe(1)
      expect(await marks.pruneFingerprints(100)).toBe(0)
      expect(await marks.hasFingerprint('other', 299)).toBe(true)
      expect((await store.counts()).fingerprints).toBe(1)
    })

    test('recording a fingerprint again keeps the later expiry', async () => {
      const { marks } = await open()
      await marks.recordFingerprint('fp', 500)
      await marks.recordFingerprint('fp', 200)
      expect(await marks.hasFingerprint('fp', 400)).toBe(true)
      await marks.recordFingerprint('fp', 900)
      expect(await marks.hasFingerprint('fp', 800)).toBe(true)
    })

    test('a mark is null until set, then the last value set', async () => {
      const a = await open()
      const b = await open()
      expect(await a.marks.get('missed-call:+33612345678')).toBeNull()
      await a.marks.set('missed-call:+33612345678', 1_000)
      await a.marks.set('missed-call:+33612345678', 2_000)
      await a.marks.set('sync:last-run', 0)
      expect(await b.marks.get('missed-call:+33612345678')).toBe(2_000)
      expect(await b.marks.get('sync:last-run')).toBe(0)
    })

    test('times past 2^31 milliseconds are kept exactly', async () => {
      const { marks } = await open()
      await marks.set('sync:last-run', 1_700_000_000_123)
      expect(await marks.get('sync:last-run')).toBe(1_700_000_000_123)
      await marks.recordFingerprint('fp', 1_700_000_000_500)
      expect(await marks.hasFingerprint('fp', 1_700_000_000_499)).toBe(true)
    })
  })
}
