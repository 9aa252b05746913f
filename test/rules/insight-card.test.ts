import { describe, expect, it } from 'vitest'

import { buildInsightCard, type InsightCardContact } from '../../src/rules/insight-card.js'
import { makeConfig } from './fixtures.js'

const config = makeConfig({ insightCards: { enabled: true, companyAttribute: 'company_name' } }).insightCards
const grace: InsightCardContact = {
  id: 'c1',
  name: 'Grace Hopper',
  email: 'grace@example.com',
  phone: '+16176105413',
  companyName: 'Navy',
  attributes: { plan: 'Enterprise', company_name: 'Acme Corp' },
}

describe('buildInsightCard', () => {
  it('gives an unknown caller a short card', () => {
    expect(buildInsightCard({ contact: null, openConversations: [], config, appId: 'abc' })).toEqual({
      contents: [
        { type: 'title', text: 'New caller' },
        { type: 'shortText', label: 'Intercom', text: 'No contact matches this number' },
      ],
    })
  })

  it('shows name, company, plan, open conversations and links the latest', () => {
    const card = buildInsightCard({
      contact: grace,
      openConversations: [
        { id: '10', title: 'Old', updatedAt: 100 },
        { id: '11', title: null, updatedAt: 300 },
        { id: '12', title: 'Middle', updatedAt: 200 },
      ],
      config: { ...config, intercomAppUrl: 'https://app.intercom.com/' },
      appId: 'abc',
    })
    expect(card).toEqual({
      contents: [
        { type: 'title', text: 'Grace Hopper', link: 'https://app.intercom.com/a/apps/abc/users/c1' },
        { type: 'shortText', label: 'Company', text: 'Acme Corp' },
        { type: 'shortText', label: 'Plan', text: 'Enterprise' },
        { type: 'shortText', label: 'Open conversations', text: '3' },
        {
          type: 'shortText',
          label: 'Latest conversation',
          text: 'Conversation #11',
          link: 'https://app.intercom.com/a/apps/abc/conversations/11',
        },
      ],
    })
  })

  it('falls back to email, company name and no links without an app id', () => {
    const card = buildInsightCard({
      contact: { ...grace, name: '  ', attributes: {} },
      openConversations: [],
      config: makeConfig().insightCards,
    })
    expect(card).toEqual({
      contents: [
        { type: 'title', text: 'grace@example.com' },
        { type: 'shortText', label: 'Company', text: 'Navy' },
        { type: 'shortText', label: 'Open conversations', text: '0' },
      ],
    })
  })

  it('uses the configured plan attribute and clips long text', () => {
    const card = buildInsightCard({
      contact: { id: 'c2', name: null, email: null, phone: null, attributes: { tier: 3 } },
      openConversations: [{ id: '1', title: 'x'.repeat(200), updatedAt: 1 }],
      config: makeConfig({ insightCards: { planAttribute: 'tier' } }).insightCards,
    })
    expect(card.contents[0]).toEqual({ type: 'title', text: 'Intercom contact' })
    expect(card.contents).toContainEqual({ type: 'shortText', label: 'Plan', text: '3' })
    const latest = card.contents.at(-1)
    expect(latest?.text.length).toBe(80)
    expect(latest?.text.endsWith('…')).toBe(true)
  })
})
