import type { AiEventName } from '../aircall/ai-schemas.js'
import type { AircallClient } from '../aircall/client.js'
import type { CallInsightService } from './call-insights.js'
import type { CallRecord } from '../domain/call-record.js'
import type { CallLogger } from './types.js'

/** What reading the AI endpoints found over a run: notes written, notes already there, calls with none. */
export interface InsightFigures {
  noted: number
  alreadyNoted: number
  /** Answers of 403 or 404 (no AI plan, no content yet): not failures. */
  none: number
  /** Calls nobody answered and no voicemail recorded: nothing was said, so their insights are not read. */
  unanswered: number
}

/** Aircall has something to transcribe only when someone spoke: an answered call, or a voicemail. */
const mayHaveInsights = (call: CallRecord): boolean =>
  call.kind === 'answered' || call.kind === 'voicemail' || (call.kind === 'outbound' && call.durationSeconds > 0)

const READ: ReadonlyArray<{ endpoint: 'summary' | 'transcription'; kind: AiEventName }> = [
  { endpoint: 'summary', kind: 'summary.created' },
  { endpoint: 'transcription', kind: 'transcription.created' },
]

/**
 * A history run's logger that also reads each logged call's AI summary and transcript from Aircall and notes
 * them on its conversation, as the listener does from the webhooks. Two requests per answered call, within the Aircall
 * gate like every other; a failure fails the call, whose retry finds the logging and the notes done.
 */
export function withCallInsights(
  logger: CallLogger,
  deps: { aircall: AircallClient; insights: CallInsightService; kinds: readonly AiEventName[] },
  figures: InsightFigures,
): CallLogger {
  const reads = READ.filter((read) => deps.kinds.includes(read.kind))
  return {
    log: async (call, options = {}) => {
      const outcome = await logger.log(call, options)
      if (options.dryRun) return outcome
      if (outcome.status !== 'logged' && outcome.status !== 'updated' && outcome.status !== 'already-done') {
        return outcome
      }
      if (!mayHaveInsights(call)) {
        figures.unanswered++
        return outcome
      }
      for (const read of reads) {
        const entity = await deps.aircall.calls.getInsight(Number(call.callId), read.endpoint, options.signal)
        if (entity === null) {
          figures.none++
          continue
        }
        const noted = await deps.insights.handle(read.kind, entity, options.signal, outcome.conversationId ?? undefined)
        if (noted.status === 'noted') figures.noted++
        else if (noted.status === 'already-noted') figures.alreadyNoted++
        else figures.none++
      }
      return outcome
    },
  }
}
