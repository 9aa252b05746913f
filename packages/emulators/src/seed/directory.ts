/**
 * Fixed Aircall directory of the seed world: agents (one shares an email with an Intercom admin),
 * two teams, lines in five countries with IANA zones and business hours, and the standard tags. Sydney Desk has
 * no AI plan, New York Sales a custom summary template, and Paris Support and New York Sales WhatsApp.
 */
import { formatAircallDigits } from '../aircall/phone.js'
import type { AircallNumber, AircallTag, AircallTeam, AircallUser, BusinessHours } from '../aircall/model.js'

const AGENTS: Array<[string, string]> = [
  ['Alice', 'Martin'],
  ['Bruno', 'Garcia'],
  ['Chloé', 'Dubois'],
  ['David', 'Smith'],
  ['Emma', 'Johnson'],
  ['Farid', 'Benali'],
  ['Greta', 'Schmidt'],
  ['Hugo', 'Lambert'],
]

export const COMPANY_DOMAIN = 'acme-support.example'

export function agentEmail(first: string, last: string): string {
  return `${first.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}.${last.toLowerCase()}@${COMPANY_DOMAIN}`
}

function weekdays(open: string, close: string, saturday?: [string, string]): BusinessHours {
  const day: Array<[string, string]> = [[open, close]]
  const hours: BusinessHours = { mon: day, tue: day, wed: day, thu: day, fri: day }
  if (saturday) hours.sat = [saturday]
  return hours
}

export function buildDirectory(nowMs: number): {
  users: AircallUser[]
  teams: AircallTeam[]
  numbers: AircallNumber[]
  tags: AircallTag[]
} {
  const iso = (daysAgo: number): string =>
    new Date(nowMs - daysAgo * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '.000Z')
  const lines: Array<Omit<AircallNumber, 'digits' | 'createdAt' | 'userIds'> & { e164: string; users: number[] }> = [
    {
      id: 101,
      name: 'Paris Support',
      e164: '+33176360695',
      country: 'FR',
      timeZone: 'Europe/Paris',
      businessHours: weekdays('09:00', '18:00'),
      isIvr: false,
      liveRecordingActivated: true,
      priority: 1,
      users: [1, 2, 3],
      whatsapp: true,
    },
    {
      id: 102,
      name: 'New York Sales',
      e164: '+12125550147',
      country: 'US',
      timeZone: 'America/New_York',
      businessHours: weekdays('08:00', '20:00', ['10:00', '14:00']),
      isIvr: false,
      liveRecordingActivated: true,
      priority: 0,
      users: [4, 5],
      summaryTemplate: ['Reason for call', 'Outcome', 'Next step'],
      whatsapp: true,
    },
    {
      id: 103,
      name: 'London Billing',
      e164: '+442079460123',
      country: 'GB',
      timeZone: 'Europe/London',
      businessHours: weekdays('09:00', '17:30'),
      isIvr: false,
      liveRecordingActivated: false,
      priority: null,
      users: [4, 6],
    },
    {
      id: 104,
      name: 'Berlin Support',
      e164: '+493012345679',
      country: 'DE',
      timeZone: 'Europe/Berlin',
      businessHours: weekdays('08:30', '17:00'),
      isIvr: false,
      liveRecordingActivated: true,
      priority: null,
      users: [7],
    },
    {
      id: 105,
      name: 'Sydney Desk',
      e164: '+61293744000',
      country: 'AU',
      timeZone: 'Australia/Sydney',
      businessHours: weekdays('09:00', '17:00'),
      isIvr: false,
      liveRecordingActivated: false,
      priority: null,
      users: [8],
      // The one line without conversation intelligence: its calls' AI endpoints answer 403.
      aiPlan: 'none',
    },
    {
      id: 106,
      name: 'Main IVR (24/7)',
      e164: '+33970730000',
      country: 'FR',
      timeZone: 'Europe/Paris',
      businessHours: null,
      isIvr: true,
      liveRecordingActivated: true,
      priority: 1,
      users: [1, 2, 3, 6],
    },
  ]
  const numbers: AircallNumber[] = lines.map(({ e164, users, ...rest }, i) => ({
    ...rest,
    digits: formatAircallDigits(e164),
    createdAt: iso(400 - i),
    userIds: users,
  }))
  const zoneOf = (id: number): string => numbers.find((n) => n.userIds.includes(id))?.timeZone ?? 'Etc/UTC'
  const users: AircallUser[] = AGENTS.map(([first, last], i) => {
    const id = i + 1
    const own = numbers.filter((n) => n.userIds.includes(id)).map((n) => n.id)
    return {
      id,
      name: `${first} ${last}`,
      email: agentEmail(first, last),
      createdAt: iso(500 - i),
      timeZone: zoneOf(id),
      language: zoneOf(id).startsWith('Europe/Paris') ? 'fr-FR' : 'en-US',
      availabilityStatus: i === 7 ? 'unavailable' : 'available',
      available: i !== 7,
      substatus: i === 7 ? 'always_closed' : 'always_opened',
      state: 'active',
      wrapUpTime: 30,
      extension: String(100 + id),
      defaultNumberId: own[0] ?? null,
      numberIds: own,
    }
  })
  const teams: AircallTeam[] = [
    { id: 11, name: 'Support', createdAt: iso(450), userIds: [1, 2, 3, 7, 8] },
    { id: 12, name: 'Sales', createdAt: iso(449), userIds: [4, 5, 6] },
  ]
  const tags: AircallTag[] = [
    { id: 1, name: 'VIP', color: '#FFD700', description: 'High-value customer' },
    { id: 2, name: 'resolved', color: '#00B388', description: null },
    { id: 3, name: 'billing', color: '#1E90FF', description: 'Billing question' },
    { id: 4, name: 'callback', color: '#FF8C00', description: 'Call the customer back' },
    { id: 5, name: 'sales', color: '#8A2BE2', description: null },
  ]
  return { users, teams, numbers, tags }
}
