/**
 * Deterministic world generator: one seed → byte-identical Aircall and Intercom data plus `truth`.
 * Every draw comes from seeded PRNG streams and no wall-clock value leaks in unless `now` is passed,
 * so tests anywhere in the project can assert exact matching, audit and dedupe outcomes.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { generateInsights } from '../aircall/insights.js'
import type { AircallCall, AircallContact, AircallMessage, AircallNumber, MissedCallReason } from '../aircall/model.js'
import { formatAircallDigits } from '../aircall/phone.js'
import { createRng, hashSeed, type Rng } from '../common/prng.js'
import type { IntercomSeed } from '../types.js'
import { buildDirectory } from './directory.js'
import { generateCallerNumbers, INVALID_RAW_DIGITS, mixedFormat, twoFormats } from './phones.js'
import type { DuplicateGroup, GenerateWorldOptions, MessageThread, SeedTruth, SeedWorld } from './types.js'

export const DEFAULT_WORLD_NOW = Date.UTC(2026, 8, 28, 12, 0, 0)
const DAY_S = 86_400
const FIRST_CALL_ID = 4_186_780_000

const FIRST = [
  'Louise',
  'Jules',
  'Sofia',
  'Liam',
  'Inès',
  'Noah',
  'Mia',
  'Lucas',
  'Olivia',
  'Ethan',
  'Léa',
  'Mateo',
  'Ava',
  'Ben',
  'Zoe',
]
const LAST = [
  'Bernard',
  'Petit',
  'Moreau',
  'Brown',
  'Wilson',
  'Müller',
  'Fischer',
  'López',
  'Taylor',
  'Roux',
  'Clarke',
  'Weber',
]
const COMMENTS = [
  'Customer asked about the invoice',
  'Wants a callback tomorrow morning',
  'Escalated to tier 2',
  'Resolved on the call',
  'Interested in the annual plan',
]
const MISSED: MissedCallReason[] = [
  'out_of_opening_hours',
  'short_abandoned',
  'abandoned_in_ivr',
  'abandoned_in_classic',
  'no_available_agent',
  'agents_did_not_answer',
]

type IntercomContact = IntercomSeed['contacts'][number]

interface Caller {
  raw: string
  e164: string | null
  aircallContactId: number | null
  special: boolean
}

export function generateWorld(options: GenerateWorldOptions = {}): SeedWorld {
  const seed = options.seed ?? 1
  const callCount = options.calls ?? 500
  const days = options.days ?? 30
  const nowMs = options.now ?? DEFAULT_WORLD_NOW
  const nowS = Math.floor(nowMs / 1000)
  const people = createRng(hashSeed('world-people', seed))
  const dir = buildDirectory(nowMs)
  const firstAgent = dir.users[0]
  if (!firstAgent) throw new Error('directory has no users')

  const admins: IntercomSeed['admins'] = [
    { id: '7100001', name: firstAgent.name, email: firstAgent.email, teamIds: ['5100001'] },
    { id: '7100002', name: 'Zoé Lefèvre', email: 'zoe.lefevre@acme-crm.example', teamIds: ['5100001'] },
    { id: '7100003', name: 'Sam Carter', email: 'sam.carter@acme-crm.example', teamIds: ['5100002'] },
  ]
  const intercomTeams: IntercomSeed['teams'] = [
    { id: '5100001', name: 'Support', adminIds: ['7100001', '7100002'] },
    { id: '5100002', name: 'Sales', adminIds: ['7100003'] },
  ]

  const contacts: IntercomContact[] = []
  const aircallContacts: AircallContact[] = []
  let contactClock = nowS - 400 * DAY_S
  let detailId = 1
  let userSeq = 1
  const name = (): [string, string] => [people.pick(FIRST), people.pick(LAST)]
  const emailFor = (first: string, last: string, n: number): string =>
    `${ascii(first)}.${ascii(last)}${n}@${people.pick(['gmail.example', 'corp.example', 'mail.example'])}`
  const addIntercom = (
    role: 'user' | 'lead',
    email: string | null,
    phone: string | null,
    nm?: [string, string],
  ): IntercomContact => {
    const [first, last] = nm ?? name()
    contactClock += people.int(600, 40_000)
    const c: IntercomContact = {
      id: people.hex(24),
      role,
      name: role === 'lead' && people.chance(0.3) ? null : `${first} ${last}`,
      email,
      phone,
      externalId: role === 'user' ? `usr_${String(userSeq++).padStart(5, '0')}` : null,
      createdAt: contactClock,
      updatedAt: contactClock + people.int(0, 90 * DAY_S),
      lastSeenAt: people.chance(0.6) ? contactClock + people.int(0, 200 * DAY_S) : null,
    }
    if (c.updatedAt > nowS) c.updatedAt = nowS
    if (c.lastSeenAt !== null && c.lastSeenAt > nowS) c.lastSeenAt = nowS
    contacts.push(c)
    return c
  }
  const addAircallContact = (e164: string, email: string | null, shared = true): AircallContact => {
    const [first, last] = name()
    const created = nowS - people.int(30, 380) * DAY_S
    const c: AircallContact = {
      id: aircallContacts.length + 1,
      firstName: first,
      lastName: last,
      companyName: people.chance(0.4) ? people.pick(['Globex', 'Initech', 'Umbrella', 'Hooli']) : null,
      information: null,
      isShared: shared,
      createdAt: created,
      updatedAt: created + people.int(0, 20) * DAY_S,
      phoneNumbers: [{ id: detailId++, label: 'Mobile', value: people.chance(0.7) ? e164 : formatAircallDigits(e164) }],
      emails: email ? [{ id: detailId++, label: 'Work', value: email }] : [],
    }
    aircallContacts.push(c)
    return c
  }

  const truth: SeedTruth = {
    callerToContact: {},
    callerToContacts: {},
    matchedBy: {},
    knownCallers: [],
    unknownCallers: [],
    invalidCallers: [...INVALID_RAW_DIGITS],
    invalidCallIds: [],
    anonymousCallIds: [],
    emailOnlyMatches: [],
    duplicateGroups: [],
    adminMatchingAircallUser: { adminId: '7100001', aircallUserId: firstAgent.id, email: firstAgent.email },
    callsPerCaller: {},
    aiCallIds: [],
    noAiNumberIds: dir.numbers.filter((n) => n.aiPlan === 'none').map((n) => n.id),
    voicemailCallIds: [],
    messageThreads: [],
  }
  const link = (e164: string, preferred: IntercomContact, all: IntercomContact[], by: 'phone' | 'email'): void => {
    truth.callerToContact[e164] = preferred.id
    truth.callerToContacts[e164] = all.map((c) => c.id)
    truth.matchedBy[e164] = by
  }
  const group = (kind: DuplicateGroup['kind'], key: string, members: IntercomContact[], mergeable: boolean): void => {
    truth.duplicateGroups.push({
      kind,
      key,
      contactIds: members.map((m) => m.id),
      storedPhones: members.map((m) => m.phone),
      mergeable,
    })
  }

  const poolSize = Math.min(5_000, Math.max(60, Math.round(callCount / 5)))
  const pool = generateCallerNumbers(createRng(hashSeed('world-phones', seed)), poolSize)
  const phones = pool.map((p) => p.e164)
  const countries = new Map(pool.map((p) => [p.e164, p.country as string]))
  let next = 0
  const take = (): string => phones[next++] as string
  // The toolkit matches a caller by the strongest reading of a stored phone first (a spelling with its own
  // country code beats a national one) and by role only between equal spellings; two contacts still equal are
  // ambiguous and get no call. The truth's preferred contact therefore holds the stronger spelling.
  const national = (phone: string): boolean => !/^\s*(\+|00)/.test(phone)
  /** The next French number: the only country the seed spells nationally, in a French-first workspace. */
  const takeFrench = (): string => {
    const at = phones.findIndex((phone, i) => i >= next && countries.get(phone) === 'FR')
    if (at > next) [phones[next], phones[at]] = [phones[at] as string, phones[next] as string]
    return take()
  }
  const callers: Caller[] = []
  const specials: Caller[] = []
  const plant = (e164: string, aircallContactId: number | null = null): void => {
    const caller = { raw: formatAircallDigits(e164), e164, aircallContactId, special: true }
    callers.push(caller)
    specials.push(caller)
  }

  for (let k = 0; k < 3; k++) {
    const e = take()
    const [fa, fb] = strongestLast(twoFormats(people, e), national)
    const nm = name()
    const lead = addIntercom('lead', null, fa, nm)
    const user = addIntercom('user', emailFor(nm[0], nm[1], k), fb, nm)
    group('lead-user-phone', e, [lead, user], true)
    link(e, user, [lead, user], 'phone')
    plant(e)
  }
  for (let k = 0; k < 2; k++) {
    const e = takeFrench()
    twoFormats(people, e)
    // Two users on one line: spelled alike they would be ambiguous; the international spelling decides.
    const [fa, fb] = internationalAndNational(e)
    const a = addIntercom('user', emailFor('shared', 'line', k), fa)
    const b = addIntercom('user', emailFor('shared', 'desk', k), fb)
    group('users-phone', e, [a, b], false)
    link(e, a, [a, b], 'phone')
    plant(e)
  }
  for (let k = 0; k < 2; k++) {
    const e = take()
    const email = `family.account${k}@mail.example`
    const a = addIntercom('lead', email, mixedFormat(people, e))
    const b = addIntercom('lead', email, null)
    group('leads-email', email, [a, b], false)
    link(e, a, [a, b], 'phone')
    plant(e)
  }
  const emailOnly = Math.max(3, Math.round(poolSize * 0.03))
  for (let k = 0; k < emailOnly; k++) {
    const e = take()
    const nm = name()
    const email = emailFor(nm[0], nm[1], 100 + k)
    const c = addIntercom('user', email, null, nm)
    const ac = addAircallContact(e, email)
    truth.emailOnlyMatches.push({ phone: e, email, contactId: c.id, aircallContactId: ac.id })
    link(e, c, [c], 'email')
    plant(e, ac.id)
  }
  for (const raw of INVALID_RAW_DIGITS) {
    const caller = { raw, e164: null, aircallContactId: null, special: true }
    callers.push(caller)
    specials.push(caller)
  }
  while (next < phones.length) {
    const e = take()
    let aircallContactId: number | null = null
    if (people.chance(0.55)) {
      const role = people.chance(0.6) ? 'user' : 'lead'
      const nm = name()
      const email = role === 'user' || people.chance(0.3) ? emailFor(nm[0], nm[1], next) : null
      const c = addIntercom(role, email, mixedFormat(people, e), nm)
      link(e, c, [c], 'phone')
      if (people.chance(0.25)) aircallContactId = addAircallContact(e, people.chance(0.5) ? email : null).id
    } else if (people.chance(0.15)) {
      aircallContactId = addAircallContact(e, null).id
    }
    callers.push({ raw: formatAircallDigits(e), e164: e, aircallContactId, special: false })
  }
  // Private contacts exist in Aircall but must never be served by the API.
  for (let k = 0; k < 2; k++) addAircallContact(phones[k] as string, null, false)
  for (let k = 0; k < 15; k++) {
    const nm = name()
    addIntercom('user', emailFor(nm[0], nm[1], 900 + k), null, nm)
  }

  const calls = generateCalls(createRng(hashSeed('world-calls', seed)), {
    callCount,
    days,
    nowS,
    callers,
    specials,
    dir,
    truth,
    countries,
  })

  const known = new Set(Object.keys(truth.callerToContact))
  for (const e of Object.keys(truth.callsPerCaller).sort()) {
    if (known.has(e)) truth.knownCallers.push(e)
    else truth.unknownCallers.push(e)
  }
  // Own PRNG streams: the AI content and the messages never shift the draws of the calls and contacts above.
  addInsights(createRng(hashSeed('world-insights', seed)), calls, dir.numbers, truth)
  const aircallContactOf = new Map(callers.flatMap((c) => (c.e164 ? [[c.e164, c.aircallContactId] as const] : [])))
  const messages = generateMessages(createRng(hashSeed('world-messages', seed)), nowMs, truth, aircallContactOf)

  const convRng = createRng(hashSeed('world-conversations', seed))
  const conversations: NonNullable<IntercomSeed['conversations']> = truth.knownCallers.slice(0, 20).map((e, i) => {
    const state = convRng.pick(['open', 'closed', 'snoozed'] as const)
    return {
      id: String(9_000_000_001 + i),
      contactId: truth.callerToContact[e] as string,
      createdAt: nowS - convRng.int(1, 25) * DAY_S,
      state,
      adminAssigneeId: convRng.chance(0.6) ? convRng.pick(admins).id : null,
      teamAssigneeId: convRng.chance(0.5) ? convRng.pick(intercomTeams).id : null,
      body: 'Hello, I have a question about my account.',
    }
  })

  return {
    seed,
    now: nowMs,
    aircall: { company: { name: 'Acme Support' }, ...dir, contacts: aircallContacts, calls, messages },
    intercom: {
      admins,
      teams: intercomTeams,
      tags: [
        { id: '9100001', name: 'VIP' },
        { id: '9100002', name: 'callback' },
      ],
      contacts,
      conversations,
    },
    truth,
  }
}

interface CallPlan {
  callCount: number
  days: number
  nowS: number
  callers: Caller[]
  specials: Caller[]
  dir: ReturnType<typeof buildDirectory>
  truth: SeedTruth
  countries: Map<string, string>
}

function generateCalls(rng: Rng, plan: CallPlan): AircallCall[] {
  const { callCount, days, nowS, callers, specials, dir, truth, countries } = plan
  const span = Math.max(1, days * DAY_S - 600)
  const start = nowS - days * DAY_S
  const starts = new Array<number>(callCount)
  for (let i = 0; i < callCount; i++) starts[i] = start + 1 + Math.floor(rng.next() * span)
  starts.sort((a, b) => a - b)
  // Every planted special caller appears at least once, spread over the period.
  const specialAt = new Map<number, Caller>()
  if (callCount >= specials.length) {
    specials.forEach((c, k) => specialAt.set(Math.floor(((k + 0.5) * callCount) / specials.length), c))
  }
  const ordinary = callers.filter((c) => !c.special)
  const teamsOf = new Map(
    dir.users.map((u) => [u.id, dir.teams.filter((t) => t.userIds.includes(u.id)).map((t) => t.id)]),
  )
  const calls: AircallCall[] = new Array<AircallCall>(callCount)
  for (let i = 0; i < callCount; i++) {
    const startedAt = starts[i] as number
    const special = specialAt.get(i)
    let caller: Caller | null = special ?? null
    let inbound = special ? true : rng.chance(0.65)
    if (!caller && inbound && rng.chance(0.03)) caller = null
    else if (!caller) caller = ordinary[Math.floor(ordinary.length * rng.next() ** 1.6)] ?? null
    if (!caller) inbound = true
    const line = rng.pick(dir.numbers)
    const agent = rng.pick(line.userIds)
    const answeredRoll = rng.next()
    const outcome = inbound
      ? answeredRoll < 0.65
        ? 'answered'
        : answeredRoll < 0.9
          ? 'missed'
          : 'voicemail'
      : answeredRoll < 0.6
        ? 'answered'
        : 'missed'
    const answered = outcome === 'answered'
    const ring = rng.int(3, 25)
    const talk = answered ? rng.int(20, 900) : 0
    const answeredAt = answered ? startedAt + ring : null
    const endedAt = startedAt + ring + talk
    const raw = caller ? caller.raw : 'anonymous'
    let country: string | null = null
    if (caller?.e164) {
      country = countries.get(caller.e164) ?? null
      truth.callsPerCaller[caller.e164] = (truth.callsPerCaller[caller.e164] ?? 0) + 1
    }
    const id = FIRST_CALL_ID + i
    if (!caller) truth.anonymousCallIds.push(id)
    else if (caller.e164 === null) truth.invalidCallIds.push(id)
    const userId = answered || !inbound ? agent : null
    const tagged = rng.chance(0.06)
    const commented = rng.chance(0.04)
    calls[i] = {
      id,
      sid: `CA${rng.hex(32)}`,
      direction: inbound ? 'inbound' : 'outbound',
      status: 'done',
      startedAt,
      answeredAt,
      endedAt,
      duration: endedAt - startedAt,
      missedCallReason: inbound && !answered ? rng.pick(MISSED) : null,
      rawDigits: raw,
      countryCodeA2: country,
      numberId: line.id,
      userId,
      assignedToId: inbound && !answered && rng.chance(0.3) ? agent : null,
      transferredById: null,
      transferredToId: null,
      contactId: caller?.aircallContactId ?? null,
      teamIds: inbound ? (teamsOf.get(agent) ?? []) : [],
      tags: tagged
        ? [...new Set([rng.pick(dir.tags).id, rng.pick(dir.tags).id])].map((tagId) => ({
            tagId,
            createdAt: endedAt + 30,
            taggedById: userId ?? agent,
          }))
        : [],
      comments: commented
        ? [{ id: i + 1, content: rng.pick(COMMENTS), postedAt: endedAt + 45, postedById: userId ?? agent }]
        : [],
      archived: rng.chance(0.1),
      cost: answered ? (Math.ceil(talk / 60) * 1.5).toFixed(1) : '0.0',
      pricingType: 'in_bundle',
      hasRecording: answered && line.liveRecordingActivated,
      hasVoicemail: outcome === 'voicemail',
      ivrOptionsSelected: line.isIvr ? [{ id: i + 1, title: 'Support', key: '1', created_at: startedAt + 2 }] : [],
      finalised: true,
    }
  }
  return calls
}

/**
 * Aircall AI content for most answered calls of at least 30 s on a line with the plan (80 %, so some calls that
 * were talked on still answer 404); every other call has none. Voicemails get no transcript in the history: those
 * come from live calls. Missed calls that left a voicemail are listed for tests.
 */
function addInsights(rng: Rng, calls: AircallCall[], numbers: AircallNumber[], truth: SeedTruth): void {
  const lines = new Map(numbers.map((n) => [n.id, n]))
  for (const call of calls) {
    if (call.hasVoicemail) truth.voicemailCallIds.push(call.id)
    const line = lines.get(call.numberId)
    const talk = call.answeredAt !== null && call.endedAt !== null ? call.endedAt - call.answeredAt : 0
    if (call.answeredAt !== null && line?.aiPlan !== 'none' && talk >= 30 && rng.chance(0.8)) {
      call.insights = generateInsights(rng, call, { actionItemsRate: 0.7, summaryTemplate: line?.summaryTemplate })
      truth.aiCallIds.push(call.id)
    } else {
      call.insights = null
    }
  }
}

interface PlannedMessage {
  direction: 'inbound' | 'outbound'
  /** Minutes before now. */
  ago: number
  body: string | null
  media?: Array<{ fileName: string; fileType: string }>
}

const THREADS: Array<{ numberId: number; channel: 'sms' | 'whatsapp'; known: boolean; messages: PlannedMessage[] }> = [
  {
    numberId: 101,
    channel: 'sms',
    known: true,
    messages: [
      { direction: 'inbound', ago: 4_320, body: 'Hi, I missed your call, can you call me back?' },
      { direction: 'outbound', ago: 4_310, body: 'Sure, we will call you this afternoon.' },
      { direction: 'inbound', ago: 4_295, body: 'Thanks!' },
    ],
  },
  {
    numberId: 101,
    channel: 'whatsapp',
    known: true,
    messages: [
      { direction: 'inbound', ago: 130, body: 'Hello, has my order been shipped?' },
      { direction: 'outbound', ago: 125, body: 'Yes, it left our warehouse this morning.' },
      {
        direction: 'inbound',
        ago: 120,
        body: 'Great, here is my address to double-check',
        media: [photo('address.jpg')],
      },
    ],
  },
  {
    numberId: 102,
    channel: 'whatsapp',
    known: true,
    messages: [{ direction: 'inbound', ago: 4_400, body: 'Could I get a quote for ten more seats?' }],
  },
  {
    numberId: 102,
    channel: 'sms',
    known: false,
    messages: [{ direction: 'inbound', ago: 1_440, body: 'The parcel arrived damaged', media: [photo('parcel.jpg')] }],
  },
]

function photo(fileName: string): { fileName: string; fileType: string } {
  return { fileName, fileType: 'image/jpeg' }
}

/**
 * A few message threads with callers of the world: SMS and WhatsApp, known and unknown callers, with media, one
 * WhatsApp thread inside the 24-hour window (free text may be sent) and one outside it (a template is needed).
 */
function generateMessages(
  rng: Rng,
  nowMs: number,
  truth: SeedTruth,
  aircallContactOf: Map<string, number | null>,
): AircallMessage[] {
  const messages: AircallMessage[] = []
  const known = [...truth.knownCallers]
  const unknown = [...truth.unknownCallers]
  for (const thread of THREADS) {
    const phone = (thread.known ? known : unknown).shift()
    if (phone === undefined) continue
    const made: MessageThread = {
      numberId: thread.numberId,
      channel: thread.channel,
      phone,
      messageIds: [],
      windowOpen: false,
    }
    for (const planned of thread.messages) {
      const at = nowMs - planned.ago * 60_000
      const message: AircallMessage = {
        id: `${at}${rng.hex(14)}`,
        numberId: thread.numberId,
        direction: planned.direction,
        externalNumber: phone,
        body: planned.body,
        status: planned.direction === 'inbound' ? 'received' : 'delivered',
        channel: thread.channel,
        createdAt: at,
        sentAt: at,
        updatedAt: planned.direction === 'inbound' ? at : at + 3_000,
        userId: planned.direction === 'outbound' ? (thread.numberId === 101 ? 1 : 4) : null,
        contactId: aircallContactOf.get(phone) ?? null,
        media: planned.media ?? [],
      }
      messages.push(message)
      made.messageIds.push(message.id)
      if (planned.direction === 'inbound' && thread.channel === 'whatsapp' && planned.ago < 24 * 60)
        made.windowOpen = true
    }
    truth.messageThreads.push(made)
  }
  return messages.sort((a, b) => a.createdAt - b.createdAt)
}

/** The pair with a national spelling first when only one of the two is national. */
function strongestLast(pair: [string, string], national: (phone: string) => boolean): [string, string] {
  const [a, b] = pair
  return national(b) && !national(a) ? [b, a] : pair
}

function internationalAndNational(e164: string): [string, string] {
  const parsed = parsePhoneNumberFromString(e164)
  return parsed ? [parsed.formatInternational(), parsed.formatNational()] : [e164, e164]
}

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '')
}
