import { renderCallNote, renderMissedCallMessage, renderResolveNote, checkTemplate, formatLocalTime, type CallTemplateContext } from '../../src/templates/index.js'
const ctx: CallTemplateContext = { callId: 123, direction: 'inbound', type: 'answered', startedAt: 1795525500, durationSeconds: 245, timeZone: 'Europe/Paris', line: { name: 'Support FR', digits: '+33 1 76 11 11 11' }, agent: { name: 'Ana <b>', email: 'a@x' }, caller: { name: 'Jo <script>', phone: '+16176105413' }, missedReason: null, assetUrl: 'https://assets.aircall.io/calls/123/recording', tags: ['VIP', 'a&b'], comments: ['line1\nline2 <i>'], contact: { name: 'Jo Bloggs', email: 'j@x' } }
console.log(renderCallNote(ctx))
console.log(renderCallNote({ ...ctx, type: 'missed', missedReason: 'no_available_agent', agent: null, assetUrl: null }))
console.log(renderMissedCallMessage({ ...ctx, type: 'missed', missedReason: 'out_of_opening_hours' }))
console.log(renderResolveNote({ ...ctx, type: 'voicemail' }))
console.log(checkTemplate('a\n{% if x %}\n{{ y | nope }}{% endif %}'), checkTemplate('{% include "a" %}'), checkTemplate('{{ x'))
for (const z of ['Europe/Paris', 'America/New_York', 'Europe/London', 'Asia/Tokyo', 'Australia/Sydney', 'UTC', 'Etc/UTC', 'Nope/Zone', 'America/Los_Angeles', 'Asia/Kolkata']) console.log(z, formatLocalTime(1795525500, z), formatLocalTime(1782302700, z))
