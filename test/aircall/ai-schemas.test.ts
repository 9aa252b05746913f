import { describe, expect, it } from 'vitest'

import { AI_EVENTS, aiStepKey, isAiEvent, summarySchema, transcriptionSchema } from '../../src/aircall/ai-schemas.js'
import { INSIGHT_KINDS } from '../../src/config/schema.js'

describe('AI schemas', () => {
  it('coerces a numeric-string call_id on summary.created', () => {
    expect(summarySchema.parse({ call_id: '123', content: 'Hi' }).call_id).toBe('123')
  })
  it('reads a transcription with speaker types', () => {
    const parsed = transcriptionSchema.parse({
      call_id: 7,
      content: { language: 'en', utterances: [{ start_time: 1, text: 'Hello', participant_type: 'external' }] },
    })
    expect(parsed.call_id).toBe('7')
    expect(parsed.content.utterances).toHaveLength(1)
  })
  it('recognises the AI events and keys steps per call and kind', () => {
    expect(isAiEvent('summary.created')).toBe(true)
    expect(isAiEvent('call.ended')).toBe(false)
    expect(aiStepKey('7', 'summary.created')).toBe('call:7:ai:summary.created')
  })
})

describe('the insight kinds the configuration accepts', () => {
  it('are exactly the AI events the pipeline notes', () => {
    expect([...INSIGHT_KINDS]).toEqual([...AI_EVENTS])
  })
})
