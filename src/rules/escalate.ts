import type { AppConfig } from '../config/schema.js'
import type { IntercomEvent } from '../domain/intercom-event.js'
import { intersectsNames, sameName } from './match.js'

export type EscalationTrigger = 'assigned' | 'priority' | 'tag'

export type EscalationSkipReason =
  | 'disabled'
  | 'not-a-trigger'
  | 'own-change'
  | 'assignment-off'
  | 'no-assignee'
  | 'priority-not-listed'
  | 'tag-not-listed'

export type EscalationDecision =
  | { escalate: false; reason: EscalationSkipReason }
  | { escalate: true; trigger: EscalationTrigger; assigneeAdminId: string | null }

export interface EscalationInput {
  event: IntercomEvent
  config: AppConfig['escalation']
  /** The admin the toolkit writes as; its own changes must not escalate again when their webhook comes back. */
  ownAdminId: string | null
}

/**
 * Whether an Intercom conversation change should ring the assignee through Aircall. Assignment needs an admin to
 * call; priority and tag triggers pass the current admin assignee (if any) and let the caller pick the agent.
 */
export function decideEscalation(input: EscalationInput): EscalationDecision {
  const { event, config, ownAdminId } = input
  if (!config.enabled) return { escalate: false, reason: 'disabled' }
  if (event.kind !== 'conversation') return { escalate: false, reason: 'not-a-trigger' }
  if (ownAdminId !== null && event.authorAdminId === ownAdminId) return { escalate: false, reason: 'own-change' }

  switch (event.topic) {
    case 'conversation.admin.assigned':
    case 'conversation.admin.open.assigned':
      if (!config.onAssigned) return { escalate: false, reason: 'assignment-off' }
      // Assigning to our own admin is how routing parks a conversation, not a person to ring.
      if (event.assigneeAdminId === null || event.assigneeAdminId === ownAdminId) {
        return { escalate: false, reason: 'no-assignee' }
      }
      return { escalate: true, trigger: 'assigned', assigneeAdminId: event.assigneeAdminId }
    case 'conversation.priority.updated': {
      const priority = event.priority
      if (priority === null || !config.priorities.some((listed) => sameName(listed, priority))) {
        return { escalate: false, reason: 'priority-not-listed' }
      }
      return { escalate: true, trigger: 'priority', assigneeAdminId: event.assigneeAdminId }
    }
    case 'conversation_part.tag.created':
      if (!intersectsNames(event.tagsAdded, config.tags)) return { escalate: false, reason: 'tag-not-listed' }
      return { escalate: true, trigger: 'tag', assigneeAdminId: event.assigneeAdminId }
    case 'conversation.admin.noted':
    case 'conversation.admin.closed':
    case 'conversation.admin.replied':
    case 'conversation.user.created':
    case 'conversation.user.replied':
      return { escalate: false, reason: 'not-a-trigger' }
  }
}
