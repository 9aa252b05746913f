import type { AppConfig } from '../config/schema.js'

export interface InsightCardTitle {
  type: 'title'
  text: string
  link?: string
}

export interface InsightCardShortText {
  type: 'shortText'
  label: string
  text: string
  link?: string
}

export type InsightCardContent = InsightCardTitle | InsightCardShortText

/** Body of `POST /v1/calls/:id/insight_cards`. */
export interface InsightCard {
  contents: InsightCardContent[]
}

export interface InsightCardContact {
  id: string
  name: string | null
  email: string | null
  phone: string | null
  /** From the contact's company, used when `insightCards.companyAttribute` is not set or empty. */
  companyName?: string | null
  attributes: Record<string, unknown>
}

export interface InsightCardConversation {
  id: string
  title: string | null
  /** UNIX seconds. */
  updatedAt: number
}

export interface InsightCardInput {
  contact: InsightCardContact | null
  openConversations: readonly InsightCardConversation[]
  config: AppConfig['insightCards']
  /** Intercom workspace id; without it the card has no links, as they would be guesses. */
  appId?: string
}

// Aircall publishes no length limit; agents read the card at a glance in a narrow panel.
const MAX_TEXT = 80

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= MAX_TEXT ? flat : `${flat.slice(0, MAX_TEXT - 1)}…`
}

function display(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : clip(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return null
}

function withLink<T extends InsightCardContent>(content: T, link: string | null): T {
  return link === null ? content : { ...content, link }
}

export function buildInsightCard(input: InsightCardInput): InsightCard {
  const { contact, openConversations, config, appId } = input
  const base = appId ? `${config.intercomAppUrl.replace(/\/+$/, '')}/a/apps/${encodeURIComponent(appId)}` : null

  if (contact === null) {
    return {
      contents: [
        { type: 'title', text: 'New caller' },
        { type: 'shortText', label: 'Intercom', text: 'No contact matches this number' },
      ],
    }
  }

  const contactLink = base && `${base}/users/${encodeURIComponent(contact.id)}`
  const title = display(contact.name) ?? display(contact.email) ?? display(contact.phone) ?? 'Intercom contact'
  const contents: InsightCardContent[] = [withLink<InsightCardTitle>({ type: 'title', text: title }, contactLink)]

  const company =
    (config.companyAttribute ? display(contact.attributes[config.companyAttribute]) : null) ??
    display(contact.companyName)
  if (company !== null) contents.push({ type: 'shortText', label: 'Company', text: company })

  const plan = display(contact.attributes[config.planAttribute])
  if (plan !== null) contents.push({ type: 'shortText', label: 'Plan', text: plan })

  contents.push({ type: 'shortText', label: 'Open conversations', text: String(openConversations.length) })

  const latest = openConversations.reduce<InsightCardConversation | null>(
    (newest, conversation) => (newest === null || conversation.updatedAt > newest.updatedAt ? conversation : newest),
    null,
  )
  if (latest !== null) {
    const text = display(latest.title) ?? `Conversation #${latest.id}`
    const link = base && `${base}/conversations/${encodeURIComponent(latest.id)}`
    contents.push(withLink<InsightCardShortText>({ type: 'shortText', label: 'Latest conversation', text }, link))
  }

  return { contents }
}
