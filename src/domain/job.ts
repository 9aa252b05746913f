import { z } from 'zod'

import type { CallRecord } from './call-record.js'

/**
 * A dead letter of a history run is a typed job: its kind, its origin and the full input, stored as it was
 * (never round-tripped through a fake webhook), so `events replay` runs it exactly as the run would have.
 */
export type JobKind = 'log-call' | 'tag-attributes'
export type JobVia = 'backfill' | 'csv' | 'sync' | 'tags-sync'

export interface CallJob {
  kind: JobKind
  origin: 'history'
  via: JobVia
  call: CallRecord
}

/** Queue event type of a job: what `events list` shows. */
export const jobEventType = (kind: JobKind): string => `job.${kind}`
export const jobIdentity = (kind: JobKind, callId: string): string => `job:${kind}:${callId}`

const nullableString = z.string().nullable()

const callRecordSchema = z.object({
  callId: z.string().min(1),
  direction: z.enum(['inbound', 'outbound']),
  status: z.string(),
  kind: z.enum(['answered', 'missed', 'voicemail', 'outbound']),
  startedAt: z.number().int(),
  answeredAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
  durationSeconds: z.number(),
  missedReason: nullableString,
  rawDigits: z.string(),
  line: z.object({
    id: nullableString,
    name: nullableString,
    digits: nullableString,
    country: nullableString,
    timeZone: nullableString,
  }),
  agent: z.object({ id: nullableString, name: nullableString, email: nullableString }).nullable(),
  teams: z.array(z.string()),
  tags: z.array(z.string()),
  comments: z.array(z.string()),
  assetUrl: nullableString,
  contact: z
    .object({
      id: nullableString,
      firstName: nullableString,
      lastName: nullableString,
      companyName: nullableString,
      emails: z.array(z.string()),
      phones: z.array(z.string()),
    })
    .nullable(),
  archived: z.boolean(),
  cost: nullableString,
})

const jobSchema = z.object({
  kind: z.enum(['log-call', 'tag-attributes']),
  origin: z.literal('history'),
  via: z.enum(['backfill', 'csv', 'sync', 'tags-sync']),
  call: callRecordSchema,
})

export class JobParseError extends Error {
  override readonly name = 'JobParseError'
  readonly failure = 'permanent' as const
}

export function parseJob(payload: string): CallJob {
  let body: unknown
  try {
    body = JSON.parse(payload) as unknown
  } catch {
    throw new JobParseError('the stored job is not JSON')
  }
  const parsed = jobSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new JobParseError(`the stored job is malformed: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`)
  }
  return parsed.data
}
