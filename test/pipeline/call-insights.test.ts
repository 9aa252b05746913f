import { describe, expect, it } from 'vitest'

import {
  insightAttributeValue,
  insightCallId,
  insightNotes,
  NOTE_PART_CHARS,
} from '../../src/pipeline/call-insights.js'

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

  it('a transcript folds behind its title unless insights.transcript is expanded', () => {
    const data = { call_id: 12, content: { language: 'en', utterances: [utterance(0, 'Hello'), utterance(1, 'Hi')] } }
    const [collapsed] = insightNotes('transcription.created', data)
    expect(collapsed).toBe(
      '<p><b>Call transcript (Aircall AI)</b></p><details><summary>2 utterances · en</summary>' +
        '<p>[0:00] <b>Caller +33612345678</b>: Hello</p><p>[0:03] <b>Agent 42</b>: Hi</p></details>',
    )
    const [expanded] = insightNotes('transcription.created', data, { transcript: 'expanded', templates: {} })
    expect(expanded).not.toContain('<details>')
    expect(expanded).toContain('<p><i>2 utterances · en</i></p><p>[0:00]')
  })

  it('a configured Liquid template renders each note, escaped, with the insight in its scope', () => {
    const templates = {
      summary: '<p>Call {{ callId }}: {{ content | newline_to_br }}</p>',
      transcript: '{% for u in utterances %}<p>{{ u.speaker }} at {{ u.at }}: {{ u.text }}</p>{% endfor %}',
      topics: '<p>{{ lines | join: " / " }}</p>',
    }
    const options = { transcript: 'collapsed' as const, templates }
    expect(insightNotes('summary.created', { call_id: '7', content: 'a <b>\nb' }, options)).toEqual([
      '<p>Call 7: a &lt;b&gt;<br>b</p>',
    ])
    const data = { call_id: 7, content: { utterances: [utterance(0, 'Hello & bye')] } }
    expect(insightNotes('transcription.created', data, options)).toEqual([
      '<p>Caller +33612345678 at 0:00: Hello &amp; bye</p>',
    ])
    expect(insightNotes('topics.created', { call_id: 7, content: ['billing', 'refund'] }, options)).toEqual([
      '<p>billing / refund</p>',
    ])
  })

  it("the attribute value is the external participant's sentiment, lower-cased, or the topics joined", () => {
    const participants = [
      { phone_number: null, type: 'internal', value: 'POSITIVE' },
      { phone_number: '+33612345678', type: 'external', value: 'NEGATIVE' },
    ]
    expect(insightAttributeValue('sentiment.created', { call_id: 1, participants })).toBe('negative')
    expect(insightAttributeValue('sentiment.created', { call_id: 1, content: 'Neutral' })).toBe('neutral')
    expect(insightAttributeValue('topics.created', { call_id: 1, content: ['billing', 'refund'] })).toBe(
      'billing, refund',
    )
    expect(insightAttributeValue('topics.created', { call_id: 1, content: [] })).toBeNull()
  })
})
