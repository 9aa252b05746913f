import { describe, expect, it } from 'vitest'

import { decideEscalation } from '../../src/rules/escalate.js'
import { makeConfig } from './fixtures.js'
import { intercomEvent, part } from './intercom-events.js'

const OWN = '999'
const config = makeConfig({ escalation: { enabled: true, tags: ['Call me', 'escalate'] } }).escalation

const assigned = (assignee: string | null, author = '5') =>
  intercomEvent('conversation.admin.assigned', {
    id: 'c1',
    admin_assignee_id: assignee,
    conversation_parts: part(author),
  })

describe('decideEscalation', () => {
  it.each([
    ['disabled', makeConfig().escalation, assigned('12'), { escalate: false, reason: 'disabled' }],
    [
      'contact event',
      config,
      intercomEvent('contact.user.updated', { id: 'u' }),
      { escalate: false, reason: 'not-a-trigger' },
    ],
    [
      'note',
      config,
      intercomEvent('conversation.admin.noted', { id: 'c1' }),
      { escalate: false, reason: 'not-a-trigger' },
    ],
    ['our own assignment (loop guard)', config, assigned('12', OWN), { escalate: false, reason: 'own-change' }],
    [
      'assignment switched off',
      makeConfig({ escalation: { enabled: true, onAssigned: false } }).escalation,
      assigned('12'),
      { escalate: false, reason: 'assignment-off' },
    ],
    ['unassigned', config, assigned('0'), { escalate: false, reason: 'no-assignee' }],
    ['assigned to our own admin', config, assigned(OWN), { escalate: false, reason: 'no-assignee' }],
    ['assigned to an admin', config, assigned('12'), { escalate: true, trigger: 'assigned', assigneeAdminId: '12' }],
    [
      'open.assigned, 1.x assignee',
      config,
      intercomEvent('conversation.admin.open.assigned', { id: 'c1', assignee: { type: 'admin', id: 34 } }),
      { escalate: true, trigger: 'assigned', assigneeAdminId: '34' },
    ],
    [
      'listed priority',
      config,
      intercomEvent('conversation.priority.updated', { id: 'c1', priority: 'priority', admin_assignee_id: '12' }),
      { escalate: true, trigger: 'priority', assigneeAdminId: '12' },
    ],
    [
      'unlisted priority',
      config,
      intercomEvent('conversation.priority.updated', { id: 'c1', priority: 'not_priority' }),
      { escalate: false, reason: 'priority-not-listed' },
    ],
    [
      'priority by our own admin',
      config,
      intercomEvent('conversation.priority.updated', { id: 'c1', priority: 'priority', conversation_parts: part(OWN) }),
      { escalate: false, reason: 'own-change' },
    ],
    [
      'listed tag, case-insensitive',
      config,
      intercomEvent('conversation_part.tag.created', { id: 'c1', tags_added: { tags: [{ name: 'CALL ME' }] } }),
      { escalate: true, trigger: 'tag', assigneeAdminId: null },
    ],
    [
      'unlisted tag',
      config,
      intercomEvent('conversation_part.tag.created', { id: 'c1', tags_added: { tags: [{ name: 'billing' }] } }),
      { escalate: false, reason: 'tag-not-listed' },
    ],
    [
      'tag applied by our own admin',
      config,
      intercomEvent('conversation_part.tag.created', {
        id: 'c1',
        tags_added: { tags: [{ name: 'escalate', applied_by: { type: 'admin', id: OWN } }] },
      }),
      { escalate: false, reason: 'own-change' },
    ],
  ])('%s', (_name, escalation, event, decision) => {
    expect(decideEscalation({ event, config: escalation, ownAdminId: OWN })).toEqual(decision)
  })

  it('cannot recognise its own changes without an own admin id', () => {
    expect(decideEscalation({ event: assigned('12', OWN), config, ownAdminId: null })).toEqual({
      escalate: true,
      trigger: 'assigned',
      assigneeAdminId: '12',
    })
  })
})
