import { describe, expect, it } from 'vitest'

import { insightCallId, insightNotes, NOTE_PART_CHARS } from '../../src/sync/call-insights.js'

const utterance = (index: number, text: string) => ({
  start_time: index * 3.5,
  end_time: index * 3.5 + 3,
  text,
  participant_type: index % 2 === 0 ? 'external' : 'internal',
  ...(index % 2 === 0 ? { phone_number: '+33612345678' } : { user_id: 42 }),
})

describe('insight notes', () => {
  it('a summary is one note, its text escaped and its lines kept', () => {
    const [note] = insightNotes('summary.created', { call_id: '12', content: 'Refund <b>now</b>\nthen call back' })
    expect(note).toBe('<p><b>Call summary (Aircall AI)</b></p><p>Refund &lt;b&gt;now&lt;/b&gt;<br>then call back</p>')
  })

  it('a long transcript is split at utterances into numbered notes, none over the part size', () => {
    const utterances = Array.from({ length: 400 }, (_, index) => utterance(index, `sentence ${index} `.repeat(8)))
    const notes = insightNotes('transcription.created', { call_id: 12, content: { language: 'fr', utterances } })
    expect(notes.length).toBeGreaterThan(1)
    for (const [index, note] of notes.entries()) {
      expect(note.length).toBeLessThanOrEqual(NOTE_PART_CHARS + 200)
      expect(note).toContain(`Call transcript (Aircall AI) ${index + 1}/${notes.length}`)
    }
    const all = notes.join('')
    for (const index of [0, 199, 399]) expect(all).toContain(`sentence ${index} `)
    expect(all).toContain('[0:00] <b>Caller +33612345678</b>')
    expect(all).toContain('[0:03] <b>Agent 42</b>')
  })

  it('shapes the references leave unconfirmed are read leniently: strings, lists and participant objects', () => {
    expect(insightNotes('topics.created', { call_id: 1, content: ['billing', 'refund'] })).toEqual([
      '<p><b>Call topics (Aircall AI)</b></p><ul><li>billing</li><li>refund</li></ul>',
    ])
    const [sentiment] = insightNotes('sentiment.created', {
      call_id: 1,
      participants: [{ phone_number: '+33612345678', type: 'external', value: 'NEGATIVE' }],
    })
    expect(sentiment).toContain('<li>+33612345678 · external · NEGATIVE</li>')
    expect(insightNotes('action_item.created', { call_id: 1, content: null })).toEqual([])
  })

  it('call_id comes as a numeric string or a number; anything else is no call', () => {
    expect(insightCallId({ call_id: '4521' })).toBe('4521')
    expect(insightCallId({ call_id: 4521 })).toBe('4521')
    expect(insightCallId({ call_id: 'CA-1' })).toBeNull()
  })
})
