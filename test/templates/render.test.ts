import { describe, expect, it } from 'vitest'
import {
  callTemplateContextFrom,
  callTypeOf,
  checkTemplate,
  createTemplateRenderer,
  DEFAULT_CALL_NOTE_TEMPLATE,
  DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE,
  DEFAULT_RESOLVE_NOTE_TEMPLATE,
  renderCallNote,
  renderMissedCallMessage,
  renderResolveNote,
  TemplateError,
  type AircallCallLike,
  type CallTemplateContext,
} from '../../src/templates/index.js'
import { callContext, NOV_24_2026_1305_UTC } from './fixtures.js'

const RECORDING = 'https://aircall-recordings.s3.amazonaws.com/rec.mp3?X-Amz-Expires=3600&X-Amz-Signature=abc'

describe('callTypeOf', () => {
  it.each([
    [{ direction: 'outbound', answered_at: null }, 'outbound'],
    [{ direction: 'outbound', answered_at: 10, voicemail: 'https://v.mp3' }, 'outbound'],
    [{ direction: 'inbound', answered_at: null, voicemail: 'https://v.mp3' }, 'voicemail'],
    [{ direction: 'inbound', answered_at: null, missed_call_reason: 'no_available_agent' }, 'missed'],
    [{ direction: 'inbound', answered_at: null }, 'missed'],
    [{ direction: 'inbound' }, 'missed'],
    [{ direction: 'inbound', answered_at: 10, missed_call_reason: 'short_abandoned' }, 'missed'],
    [{ direction: 'inbound', answered_at: 10, missed_call_reason: null, voicemail: null }, 'answered'],
  ] as const)('%j → %s', (call, expected) => {
    expect(callTypeOf(call)).toBe(expected)
  })
})

describe('renderCallNote: sections by call type', () => {
  it('answered: agent, line, local time, duration, recording link, tags, notes', () => {
    const html = renderCallNote(callContext())
    expect(html).toContain('<b>Answered call</b>')
    expect(html).toContain('<li>Direction: Inbound</li>')
    expect(html).toContain('<li>Caller: Jo Bloggs (+1 617 610 5413)</li>')
    expect(html).toContain('<li>Agent: Ana Agent</li>')
    expect(html).toContain('<li>Line: Support FR (+33 1 76 11 11 11)</li>')
    expect(html).toContain('<li>When: Tue 24 Nov 2026, 14:05 CET</li>')
    expect(html).toContain('<li>Duration: 4 min 05 s</li>')
    expect(html).toContain(
      '<li>Recording: <a href="https://assets.aircall.io/calls/4186780376/recording">Listen in Aircall</a></li>',
    )
    expect(html).toContain('<li>Tags: VIP, Billing</li>')
    expect(html).toContain('<p><b>Agent notes</b></p><ul><li>Wants a refund</li></ul>')
    expect(html).not.toContain('Reason:')
  })

  it('missed: reason in words, no agent, no duration', () => {
    const html = renderCallNote(
      callContext({ type: 'missed', missedReason: 'out_of_opening_hours', agent: null, assetUrl: null, tags: [] }),
    )
    expect(html).toContain('<b>Missed call</b>')
    expect(html).toContain('<li>Reason: Called outside opening hours</li>')
    expect(html).not.toMatch(/Agent:|Duration:|Recording:|Tags:/)
  })

  it('missed without a reason code still says it was not answered', () => {
    expect(renderCallNote(callContext({ type: 'missed', agent: null }))).toContain('<li>Reason: Not answered</li>')
  })

  it('voicemail: the asset link is labelled as the voicemail', () => {
    const html = renderCallNote(callContext({ type: 'voicemail', agent: null }))
    expect(html).toContain('<b>Voicemail</b>')
    expect(html).toContain('<li>Voicemail: <a href="https://assets.aircall.io/calls/4186780376/recording">')
    expect(html).not.toMatch(/Duration:|Reason:/)
  })

  it('outbound: "Called" instead of "Caller", with duration', () => {
    const html = renderCallNote(callContext({ type: 'outbound', direction: 'outbound', comments: [] }))
    expect(html).toContain('<b>Outbound call</b>')
    expect(html).toContain('<li>Direction: Outbound</li>')
    expect(html).toContain('<li>Called: Jo Bloggs (+1 617 610 5413)</li>')
    expect(html).toContain('<li>Duration: 4 min 05 s</li>')
    expect(html).not.toContain('Agent notes')
  })

  it('anonymous caller', () => {
    expect(renderCallNote(callContext({ caller: { name: null, phone: null } }))).toContain('<li>Caller: Anonymous</li>')
  })

  it('uses only the allowed tags', () => {
    for (const type of ['answered', 'missed', 'voicemail', 'outbound'] as const) {
      for (const html of [
        renderCallNote(callContext({ type })),
        renderResolveNote(callContext({ type })),
        renderMissedCallMessage(callContext({ type })),
      ]) {
        const tags = [...html.matchAll(/<\/?([a-z]+)/g)].map((match) => match[1])
        expect(new Set(tags)).toSatisfy((set: Set<string>) =>
          [...set].every((tag) => ['p', 'br', 'ul', 'li', 'b', 'a'].includes(tag)),
        )
        expect(html).not.toMatch(/\n/)
      }
    }
  })
})

describe('escaping', () => {
  const hostile = callContext({
    caller: { name: '<script>alert(1)</script>', phone: '+16176105413' },
    agent: { name: 'Ana "<b>"', email: 'a@example.com' },
    line: { name: 'Sales & Support', digits: '+33 1 76 11 11 11' },
    tags: ['<img src=x onerror=alert(1)>'],
    comments: ['first line\n<i>second</i>'],
    contact: { name: '<b>Eve</b> Smith', email: null },
  })

  it('escapes every value in the note', () => {
    const html = renderCallNote(hostile)
    expect(html).toContain('Caller: &lt;script&gt;alert(1)&lt;/script&gt; (+1 617 610 5413)')
    expect(html).toContain('Agent: Ana &quot;&lt;b&gt;&quot;')
    expect(html).toContain('Line: Sales &amp; Support')
    expect(html).toContain('Tags: &lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('<li>first line<br>&lt;i&gt;second&lt;/i&gt;</li>')
    expect(html).not.toMatch(/<script|<img|<i>/)
  })

  it('escapes values in the customer message and the resolve note', () => {
    expect(renderMissedCallMessage(hostile)).toContain('<p>Hi &lt;b&gt;Eve&lt;/b&gt;,</p>')
    expect(renderResolveNote(hostile)).not.toMatch(/<script|<img|<i>/)
  })

  it('an explicit escape in a user template does not escape twice; raw opts out', () => {
    const ctx = callContext({ caller: { name: 'A&B', phone: null } })
    expect(renderCallNote(ctx, '{{ caller.name }}|{{ caller.name | escape }}|{{ caller.name | raw }}')).toBe(
      'A&amp;B|A&amp;B|A&B',
    )
  })

  it('a javascript: asset URL renders as no link', () => {
    const html = renderCallNote(callContext({ assetUrl: 'javascript:alert(1)' }))
    expect(html).not.toContain('javascript')
    expect(html).not.toContain('Recording:')
  })
})

describe('the expiring recording URL never appears', () => {
  const call: AircallCallLike & Record<string, unknown> = {
    id: 1,
    direction: 'inbound',
    started_at: NOV_24_2026_1305_UTC,
    answered_at: NOV_24_2026_1305_UTC + 5,
    duration: 65,
    raw_digits: '+1 617-610-5413',
    asset: 'https://assets.aircall.io/calls/1/recording',
    recording: RECORDING,
    recording_short_url: 'https://short.aircall.io/r/abc',
    voicemail: null,
    number: { name: 'Support', digits: '+1 800-123-4567', time_zone: 'America/New_York' },
    user: { name: 'Ana', email: 'ana@example.com' },
    tags: [{ name: 'VIP' }],
    comments: [{ content: 'ok' }],
  }

  it('is not copied into the context built from an Aircall call', () => {
    const ctx = callTemplateContextFrom(call)
    expect(JSON.stringify(ctx)).not.toContain('amazonaws')
    expect(JSON.stringify(ctx)).not.toContain('short.aircall.io')
    expect(ctx.assetUrl).toBe('https://assets.aircall.io/calls/1/recording')
  })

  it('is unreachable from templates even when smuggled into the context object', () => {
    const smuggled = { ...callContext(), recording: RECORDING, recording_short_url: RECORDING } as CallTemplateContext
    const userTemplate = '{{ recording }}{{ recording_short_url }}{% for x in comments %}{% endfor %}'
    for (const html of [
      renderCallNote(smuggled),
      renderResolveNote(smuggled),
      renderMissedCallMessage(smuggled),
      renderCallNote(smuggled, userTemplate),
    ]) {
      expect(html).not.toContain('amazonaws')
    }
  })

  it('is dropped when passed as the asset URL itself', () => {
    const html = renderCallNote(callContext({ assetUrl: RECORDING }))
    expect(html).not.toContain('amazonaws')
    expect(callTemplateContextFrom({ ...call, asset: RECORDING }).assetUrl).toBeNull()
  })
})

describe('callTemplateContextFrom', () => {
  it('maps an Aircall call', () => {
    const ctx = callTemplateContextFrom(
      {
        id: 7,
        direction: 'inbound',
        started_at: 100,
        answered_at: null,
        missed_call_reason: 'no_available_agent',
        duration: 12,
        raw_digits: 'anonymous',
        asset: null,
        number: { name: 'Main', digits: '+33 1 76 11 11 11', time_zone: 'Europe/Paris' },
        user: null,
        contact: { first_name: 'Jo', last_name: ' Bloggs ' },
        tags: [{ name: 'A' }, { name: '' }],
        comments: [{ content: '  ' }, { content: 'hi' }],
      },
      { name: 'Jo B', email: 'jo@example.com' },
    )
    expect(ctx).toEqual({
      callId: 7,
      direction: 'inbound',
      type: 'missed',
      startedAt: 100,
      durationSeconds: 12,
      timeZone: 'Europe/Paris',
      line: { name: 'Main', digits: '+33 1 76 11 11 11' },
      agent: null,
      caller: { name: 'Jo Bloggs', phone: null },
      missedReason: 'no_available_agent',
      assetUrl: null,
      tags: ['A'],
      comments: ['hi'],
      contact: { name: 'Jo B', email: 'jo@example.com' },
    })
  })
})

describe('customer-facing missed-call message', () => {
  it('greets by first name and mentions opening hours when that is why', () => {
    const html = renderMissedCallMessage(callContext({ type: 'missed', missedReason: 'out_of_opening_hours' }))
    expect(html).toBe(
      '<p>Hi Joanna,</p><p>Sorry we missed your call to Support FR on Tue 24 Nov 2026, 14:05 CET. ' +
        'You reached us outside our opening hours.</p>' +
        '<p>Reply here and tell us how we can help: we will get back to you as soon as we can.</p>',
    )
  })

  it('falls back to the caller name, then to "there", and never leaks internal detail', () => {
    const noContact = callContext({ type: 'missed', missedReason: 'no_available_agent', contact: null })
    expect(renderMissedCallMessage(noContact)).toContain('<p>Hi Jo,</p>')
    const html = renderMissedCallMessage({ ...noContact, caller: { name: null, phone: null } })
    expect(html).toContain('<p>Hi there,</p>')
    expect(html).not.toMatch(/agent|Ana|No agent|aircall/i)
  })
})

describe('resolve note', () => {
  it.each([
    ['answered', null, 'Outcome: Answered'],
    ['missed', 'short_abandoned', 'Outcome: Missed: Caller hung up quickly'],
    ['voicemail', null, 'Outcome: Voicemail left'],
    ['outbound', null, 'Outcome: Outbound call'],
  ] as const)('%s', (type, missedReason, outcome) => {
    const html = renderResolveNote(callContext({ type, missedReason }))
    expect(html).toContain(`<li>${outcome}</li>`)
    expect(html).toContain('<b>Call summary</b>')
  })
})

describe('checkTemplate', () => {
  it.each([DEFAULT_CALL_NOTE_TEMPLATE, DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE, DEFAULT_RESOLVE_NOTE_TEMPLATE])(
    'accepts the defaults',
    (source) => {
      expect(checkTemplate(source)).toEqual({ ok: true })
    },
  )

  it.each([
    // An unclosed block is reported where it opens.
    ['<p>\n{% if agent %}\n{{ agent.name }}\n', 2, /not closed/],
    ['line one\nline two {{ caller.name', 2, /not closed/],
    ['a\nb\n  {{ durationSeconds | durration }}', 3, /undefined filter: durration/],
    ['{% include "secrets.txt" %}', 1, /tag "include" not found/],
    ['ok\n{% render "x" %}', 2, /tag "render" not found/],
    ['{% for %}', 1, /for/],
  ])('%j reports line %i', (source, line, message) => {
    const result = checkTemplate(source)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.line).toBe(line)
    expect(result.error).toMatch(new RegExp(`^line ${line}, column \\d+: `))
    expect(result.error).toMatch(message)
  })

  it('rendering a broken template throws a TemplateError with its position', () => {
    expect(() => renderCallNote(callContext(), 'x\n{{ y | nope }}')).toThrow(TemplateError)
    expect(() => renderCallNote(callContext(), 'x\n{{ y | nope }}')).toThrow(/^line 2, column 1/)
  })
})

describe('renderer', () => {
  it('is synchronous and reuses parsed templates', () => {
    const renderer = createTemplateRenderer({ cacheSize: 2 })
    for (let i = 0; i < 2000; i++) renderer.render(DEFAULT_CALL_NOTE_TEMPLATE, { type: 'answered', tags: [] })
    expect(renderer.parseCount()).toBe(1)
    expect(renderer.render('{{ a }}', { a: 1 })).toBe('1')
    expect(renderer.render('{{ a }}-{{ b }}', { a: 1, b: 2 })).toBe('1-2')
    expect(renderer.render('{{ a }}', { a: 3 })).toBe('3')
    expect(renderer.parseCount()).toBe(3)
    // A cache of two evicted the default note, the least recently used source: it is parsed again.
    renderer.render(DEFAULT_CALL_NOTE_TEMPLATE, { type: 'answered', tags: [] })
    expect(renderer.parseCount()).toBe(4)
  })
})
