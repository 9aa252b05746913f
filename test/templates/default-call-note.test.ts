import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createTemplateRenderer,
  DEFAULT_CALL_NOTE_TEMPLATE,
  MISSED_REASONS,
  renderCallNote,
  templateScopeOf,
  type CallTemplateContext,
} from '../../src/templates/index.js'
import { callContext } from './fixtures.js'

// The oracle: the default template through Liquid, exactly as renderCallNote rendered it before its fast path.
const liquid = createTemplateRenderer()
const viaLiquid = (ctx: CallTemplateContext): string =>
  liquid.render(DEFAULT_CALL_NOTE_TEMPLATE, templateScopeOf(ctx)).trim()

/** The note, or the error a caller would catch (an instant Date cannot hold makes Liquid throw). */
function outcome(render: () => string): string {
  try {
    return `ok:${render()}`
  } catch (error) {
    return `threw:${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
  }
}

const SPECIALS = ['<', '>', '&', '"', "'", '&amp;', '\n', '\r\n', '\r', ' ', '\t', 'é', '😀', '\u00a0', 'a', 'Z', '1']
const specialText = fc.array(fc.constantFrom(...SPECIALS), { maxLength: 8 }).map((chars) => chars.join(''))
const text = fc.oneof(
  fc.constantFrom('', ' ', '  ', 'Jo Bloggs', 'Support FR', '<script>alert(1)</script>', 'Zoë 😀', 'A & "B"'),
  specialText,
  fc.string({ maxLength: 12 }),
  fc.fullUnicodeString({ maxLength: 6 }),
)
const phone = fc.oneof(
  fc.constantFrom(
    '+16176105413',
    '+33176111111',
    '+1 617-610-5413 x12',
    '+44 20 7946 0958',
    'anonymous',
    'not a number',
    '<+1>&',
    '+',
    '00',
    '12345',
  ),
  fc.array(fc.constantFrom('+', '1', '3', '6', '7', ' ', '-', '(', ')', 'x'), { maxLength: 16 }).map((c) => c.join('')),
  text,
)
const assetUrl = fc.oneof(
  fc.constantFrom(
    null,
    '',
    '   ',
    'https://assets.aircall.io/calls/4186780376/recording',
    'http://127.0.0.1:4010/assets/calls/1',
    ' HTTPS://Assets.Aircall.io/x?a="<b>"&c=\'d\' ',
    'https://aircall-recordings.s3.amazonaws.com/rec.mp3?X-Amz-Expires=3600&X-Amz-Signature=abc',
    'https://cdn.example.com/r.mp3?Expires=1&Signature=x',
    'https://cdn.example.com/r.mp3?token=abc',
    'javascript:alert(1)',
    'data:text/html,<b>',
    'ftp://example.com/r.mp3',
  ),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  text,
)
const missedReason = fc.oneof(
  fc.constant(null),
  fc.constantFrom('', ' ', 'brand_new_reason', 'toString', '__proto__', 'a_<b>_&', ...Object.keys(MISSED_REASONS)),
  text,
)
const zones = [
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'UTC',
  'Etc/UTC',
  'Mars/Olympus',
  '',
]
const number = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 4_102_444_800 }), weight: 4 },
  fc.double(),
  fc.constantFrom(0, -1, 0.5, Number.NaN),
)

const contextArb: fc.Arbitrary<CallTemplateContext> = fc.record({
  callId: fc.oneof(fc.maxSafeNat(), fc.double(), fc.string({ maxLength: 12 }), specialText),
  direction: fc.constantFrom('inbound', 'outbound'),
  type: fc.constantFrom('answered', 'missed', 'voicemail', 'outbound'),
  startedAt: number,
  durationSeconds: number,
  timeZone: fc.constantFrom(...zones),
  line: fc.record({ name: text, digits: fc.oneof(text, phone) }),
  agent: fc.option(fc.record({ name: text, email: text }), { nil: null }),
  caller: fc.record({ name: fc.option(text, { nil: null }), phone: fc.option(phone, { nil: null }) }),
  missedReason,
  assetUrl,
  tags: fc.array(text, { maxLength: 4 }),
  comments: fc.array(text, { maxLength: 4 }),
  contact: fc.option(fc.record({ name: fc.option(text, { nil: null }), email: fc.option(text, { nil: null }) }), {
    nil: null,
  }),
})

describe('the default call note without Liquid', () => {
  it('is byte-identical to Liquid rendering DEFAULT_CALL_NOTE_TEMPLATE, for any context', () => {
    // A template read back from config equals the default without being the same string instance.
    const copyOfDefault = [...DEFAULT_CALL_NOTE_TEMPLATE].join('')
    const source = fc.constantFrom(undefined, DEFAULT_CALL_NOTE_TEMPLATE, copyOfDefault)
    fc.assert(
      fc.property(contextArb, source, (ctx, templateSource) => {
        expect(outcome(() => renderCallNote(ctx, templateSource))).toBe(outcome(() => viaLiquid(ctx)))
      }),
      { numRuns: 4_000 },
    )
  })

  it.each([
    ['the fixture call', callContext()],
    ['every section empty', callContext({ agent: null, line: { name: '', digits: '' }, tags: [], comments: [] })],
    ['an agent with no name', callContext({ agent: { name: '', email: 'a@example.com' } })],
    ['a line with digits only', callContext({ line: { name: '', digits: '+33 1 76 11 11 11' } })],
    ['a missed call with no reason', callContext({ type: 'missed', missedReason: null })],
    ['an unknown missed reason', callContext({ type: 'missed', missedReason: 'brand_new_reason' })],
    ['a voicemail with a signed URL', callContext({ type: 'voicemail', assetUrl: 'https://x.io/v?Signature=1' })],
    ['a comment with CRLF', callContext({ comments: ['one\r\ntwo\nthree\r', ''] })],
    ['a string call id', callContext({ callId: '<4186780376>' })],
  ])('%s', (_, ctx) => {
    expect(renderCallNote(ctx)).toBe(viaLiquid(ctx))
  })

  it.each([
    ['an instant Date cannot hold', callContext({ startedAt: 8.64e12 + 1 })],
    ['tags past Liquid’s memory limit', callContext({ tags: ['x'.repeat(5_000_000), 'y'.repeat(5_000_000)] })],
  ])('fails as Liquid fails: %s', (_, ctx) => {
    const expected = outcome(() => viaLiquid(ctx))
    expect(expected).toMatch(/^threw:TemplateError: line 1, column \d+: /)
    expect(outcome(() => renderCallNote(ctx))).toBe(expected)
  })

  it('leaves any other template to Liquid', () => {
    const ctx = callContext({ caller: { name: 'A&B', phone: null } })
    expect(renderCallNote(ctx, `${DEFAULT_CALL_NOTE_TEMPLATE}{{ caller.name | raw }}`)).toBe(`${viaLiquid(ctx)}A&B`)
  })
})
