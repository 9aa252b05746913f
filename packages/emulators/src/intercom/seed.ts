/** Loads an `IntercomSeed` (plus emulator-only extras) into a fresh workspace, validating it with zod. */
import { z } from 'zod'
import type { IntercomSeed } from '../types.js'
import { builtInAttributes } from './data-attributes.js'
import { htmlBody } from './render.js'
import { seedTicketing } from './tickets.js'
import type { DataType, Workspace } from './state.js'

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

const seedSchema = z.object({
  admins: z.array(
    z.object({
      id: z.string().regex(/^\d+$/),
      name: z.string(),
      email: z.string(),
      teamIds: z.array(z.string()).optional(),
    }),
  ),
  teams: z.array(z.object({ id: z.string().regex(/^\d+$/), name: z.string(), adminIds: z.array(z.string()) })),
  tags: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
  dataAttributes: z
    .array(
      z.object({
        name: z.string(),
        model: z.enum(['contact', 'company']),
        dataType: z.enum(['string', 'integer', 'float', 'boolean', 'date', 'datetime', 'options']),
        options: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  contacts: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{24}$/, 'contact ids are 24 hex characters'),
      role: z.enum(['user', 'lead']),
      name: z.string().nullable(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      locationCountry: z.string().nullable().optional(),
      externalId: z.string().nullable(),
      createdAt: z.number().int(),
      updatedAt: z.number().int(),
      lastSeenAt: z.number().int().nullable(),
      customAttributes: z.record(z.string(), scalar).optional(),
      tagIds: z.array(z.string()).optional(),
    }),
  ),
  conversations: z
    .array(
      z.object({
        id: z.string().regex(/^\d+$/),
        contactId: z.string(),
        createdAt: z.number().int(),
        state: z.enum(['open', 'closed', 'snoozed']),
        adminAssigneeId: z.string().nullable(),
        teamAssigneeId: z.string().nullable(),
        body: z.string(),
        priority: z.enum(['none', 'low', 'medium', 'high', 'urgent']).optional(),
      }),
    )
    .optional(),
  conversationAttributes: z
    .array(
      z.object({
        name: z.string(),
        dataType: z.enum(['string', 'integer', 'list', 'decimal', 'boolean', 'datetime']),
        options: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  calls: z
    .array(
      z.object({
        id: z.string(),
        conversationId: z.string().nullable(),
        adminId: z.string().nullable(),
        contactId: z.string().nullable(),
        phone: z.string().nullable(),
        direction: z.enum(['inbound', 'outbound']),
        state: z.string(),
        initiatedAt: z.number().int(),
        endedAt: z.number().int().nullable(),
      }),
    )
    .optional(),
})

/** The shared seed plus what only the Intercom emulator understands (conversation attributes, Intercom Phone calls). */
export type IntercomSeedExtended = IntercomSeed &
  Partial<Pick<z.infer<typeof seedSchema>, 'conversationAttributes' | 'calls'>> & {
    conversations?: Array<
      NonNullable<IntercomSeed['conversations']>[number] & { priority?: 'none' | 'low' | 'medium' | 'high' | 'urgent' }
    >
  }

export const DEFAULT_SEED: IntercomSeedExtended = {
  admins: [{ id: '991267459', name: 'Emulator Admin', email: 'admin@emulator.test', teamIds: ['991267902'] }],
  teams: [{ id: '991267902', name: 'Support', adminIds: ['991267459'] }],
  contacts: [],
}

export function parseSeed(input: unknown): IntercomSeedExtended | string {
  const parsed = seedSchema.safeParse(input)
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  return parsed.data
}

/** Replaces the workspace's records with the seed (subscriptions, faults and counters are untouched). */
export function loadSeed(ws: Workspace, seed: IntercomSeedExtended, nowSec: number): void {
  ws.contacts.clear()
  ws.conversations.clear()
  ws.admins.clear()
  ws.teams.clear()
  ws.tags.clear()
  ws.calls.clear()
  ws.notes = []
  ws.messages = []
  ws.dataAttributes = builtInAttributes(nowSec)
  ws.conversationAttributes = []
  seedTicketing(ws.ticketing, nowSec)
  for (const a of seed.admins) ws.admins.set(a.id, { id: a.id, name: a.name, email: a.email, teamIds: a.teamIds ?? [] })
  for (const t of seed.teams) ws.teams.set(t.id, { id: t.id, name: t.name, adminIds: t.adminIds })
  for (const t of seed.tags ?? []) ws.tags.set(t.id, { id: t.id, name: t.name })
  for (const d of seed.dataAttributes ?? []) {
    const extra = d as { options?: string[] }
    ws.dataAttributes.push({
      id: Number(ws.nextId('attribute')),
      model: d.model,
      name: d.name,
      label: d.name,
      description: '',
      dataType: d.dataType as DataType,
      options: extra.options ?? [],
      custom: true,
      archived: false,
      messengerWritable: false,
      createdAt: nowSec,
      updatedAt: nowSec,
      adminId: null,
    })
  }
  for (const a of seed.conversationAttributes ?? []) {
    ws.conversationAttributes.push({
      id: Number(ws.nextId('attribute')),
      name: a.name,
      description: '',
      dataType: a.dataType,
      options: a.options ?? [],
      archived: false,
      createdAt: nowSec,
      updatedAt: nowSec,
    })
  }
  for (const c of seed.contacts) {
    ws.contacts.set(c.id, {
      id: c.id,
      role: c.role,
      name: c.name,
      email: c.email,
      phone: c.phone,
      locationCountry: c.locationCountry ?? null,
      externalId: c.externalId,
      ownerId: null,
      avatar: null,
      signedUpAt: c.role === 'user' ? c.createdAt : null,
      lastSeenAt: c.lastSeenAt,
      unsubscribedFromEmails: false,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      // Seeded contacts pre-date the run: already indexed.
      searchableFromMs: 0,
      customAttributes: { ...(c.customAttributes ?? {}) },
      tags: (c.tagIds ?? []).map((id) => ({ id, appliedAt: c.createdAt, appliedBy: null })),
      mergedInto: null,
      mergeHistory: [],
    })
  }
  for (const conv of seed.conversations ?? []) {
    const contact = ws.contacts.get(conv.contactId)
    ws.conversations.set(conv.id, {
      id: conv.id,
      title: null,
      createdAt: conv.createdAt,
      updatedAt: conv.createdAt,
      waitingSince: conv.state === 'open' ? conv.createdAt : null,
      snoozedUntil: null,
      state: conv.state,
      read: false,
      priority: conv.priority ?? 'none',
      adminAssigneeId: conv.adminAssigneeId,
      teamAssigneeId: conv.teamAssigneeId,
      contactIds: [conv.contactId],
      source: {
        type: 'conversation',
        id: `seed-${conv.id}`,
        deliveredAs: 'customer_initiated',
        subject: '',
        body: htmlBody(conv.body),
        author: {
          type: contact?.role ?? 'user',
          id: conv.contactId,
          name: contact?.name ?? null,
          email: contact?.email ?? null,
        },
      },
      parts: [],
      tags: [],
      customAttributes: {},
    })
  }
  for (const call of seed.calls ?? []) {
    ws.calls.set(call.id, {
      id: call.id,
      conversationId: call.conversationId,
      adminId: call.adminId,
      contactId: call.contactId,
      state: call.state,
      initiatedAt: call.initiatedAt,
      answeredAt: call.state === 'missed' ? null : call.initiatedAt,
      endedAt: call.endedAt,
      createdAt: call.initiatedAt,
      updatedAt: call.endedAt ?? call.initiatedAt,
      recordingUrl: null,
      transcriptionUrl: null,
      callType: 'phone',
      direction: call.direction,
      endedReason: null,
      phone: call.phone,
    })
  }
}
