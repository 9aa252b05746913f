import type { TriggerResult } from '../app/trigger.js'

const outcome = (result: TriggerResult): string => {
  if (!result.ok) return `${result.status} ${JSON.stringify(result.response)}`
  if (result.eventId === null) return `${result.status}`
  return result.duplicate
    ? `${result.status}, duplicate of event #${result.eventId} (already stored: not processed again)`
    : `${result.status}, stored as event #${result.eventId}`
}

export const renderTrigger = (result: TriggerResult): string =>
  [
    `${result.event} → ${result.url}: ${outcome(result)}`,
    ...(result.plantedInEmulator && result.callId !== null
      ? [`  call ${result.callId} was planted ringing in the Aircall emulator, so its insight card can be posted`]
      : []),
  ].join('\n')
