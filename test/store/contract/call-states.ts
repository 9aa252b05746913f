import { describe, expect, test } from 'vitest'
import { type MakeStore, manualClock, useStores } from './harness.js'

const ended = { stage: 5, event: 'call.ended', timestamp: 1_700_000_050 }
const hungup = { stage: 4, event: 'call.hungup', timestamp: 1_700_000_020 }

/** The per-call live state the listener upserts with every call event. */
export function describeCallStatesContract(makeStore: MakeStore): void {
  describe('call states', () => {
    const open = useStores(makeStore)

    test('the first event of a call creates its state', async () => {
      const clock = manualClock(7_000)
      const { callStates } = await open({ now: clock.read })
      expect(await callStates.get('1')).toBeUndefined()
      expect(await callStates.advance('1', hungup)).toBe('current')
      expect(await callStates.get('1')).toEqual({
        callId: '1',
        stage: 4,
        event: 'call.hungup',
        timestamp: 1_700_000_020,
        notLogged: null,
        updatedAt: 7_000,
      })
    })

    test('the stage moves forward only: an event behind the recorded one is stale and changes nothing', async () => {
      const { callStates } = await open()
      expect(await callStates.advance('1', hungup)).toBe('current')
      expect(await callStates.advance('1', ended)).toBe('current')
      expect(await callStates.advance('1', hungup)).toBe('stale')
      expect(await callStates.get('1')).toMatchObject({ stage: 5, event: 'call.ended', timestamp: 1_700_000_050 })
      // A redelivery of the furthest event is current: it is processed again.
      expect(await callStates.advance('1', { ...ended, timestamp: 1_700_000_060 })).toBe('current')
      expect(await callStates.get('1')).toMatchObject({ stage: 5, timestamp: 1_700_000_060 })
    })

    test('events that do not move a call forward are never stale and never lower its stage', async () => {
      const { callStates } = await open()
      const tagged = { stage: 0, event: 'call.tagged', timestamp: 1_700_000_100 }
      expect(await callStates.advance('2', tagged)).toBe('current')
      expect(await callStates.get('2')).toMatchObject({ stage: 0, event: 'call.tagged' })
      expect(await callStates.advance('2', ended)).toBe('current')
      expect(await callStates.advance('2', tagged)).toBe('current')
      expect(await callStates.get('2')).toMatchObject({ stage: 5, event: 'call.ended' })
    })

    test('markNotLogged keeps the stage, creates a state when there is none, and the next event clears it', async () => {
      const { callStates } = await open()
      await callStates.advance('3', ended)
      await callStates.markNotLogged('3', 'anonymous')
      expect(await callStates.get('3')).toMatchObject({ stage: 5, event: 'call.ended', notLogged: 'anonymous' })
      await callStates.markNotLogged('3', 'unmatched')
      expect((await callStates.get('3'))?.notLogged).toBe('unmatched')
      expect(await callStates.advance('3', hungup)).toBe('stale')
      expect((await callStates.get('3'))?.notLogged).toBe('unmatched')
      expect(await callStates.advance('3', ended)).toBe('current')
      expect((await callStates.get('3'))?.notLogged).toBeNull()

      await callStates.markNotLogged('4', 'invalid-number')
      expect(await callStates.get('4')).toMatchObject({
        stage: 0,
        event: null,
        timestamp: null,
        notLogged: 'invalid-number',
      })
      expect(await callStates.get('5')).toBeUndefined()
    })

    test('states written through one connection are read through another', async () => {
      const a = await open()
      const b = await open()
      await a.callStates.advance('6', ended)
      expect(await b.callStates.advance('6', hungup)).toBe('stale')
      expect(await b.callStates.get('6')).toMatchObject({ stage: 5 })
    })
  })
}
