import type { RegisterWebhookResult } from '../app/webhooks.js'

const HEADLINE: Record<RegisterWebhookResult['action'], string> = {
  created: '✓ Created the Aircall webhook',
  updated: '✓ Updated the Aircall webhook',
  unchanged: '✓ The Aircall webhook is already up to date',
  'would-create': 'Dry run: would create the Aircall webhook',
  'would-update': 'Dry run: would update the Aircall webhook',
}

export const renderRegisterWebhook = (result: RegisterWebhookResult): string => {
  const lines = [
    `${HEADLINE[result.action]}${result.webhookId ? ` ${result.webhookId}` : ''}`,
    `  url: ${result.aircallUrl}`,
  ]
  lines.push('  events:')
  for (const event of result.events) lines.push(`    ${event.name}  (${event.neededBy.join(', ')})`)
  if (result.previousEvents && result.action !== 'unchanged') {
    lines.push(`  previously: ${result.previousEvents.join(', ') || '(none)'}`)
  }
  lines.push('')
  if (result.webhookToken) {
    lines.push('The listener checks this token on every Aircall delivery. Export it where `listen` runs:')
    lines.push(`  export AIRCALL_WEBHOOK_TOKEN=${result.webhookToken}`)
  } else if (result.tokenAlreadySet) {
    lines.push('AIRCALL_WEBHOOK_TOKEN already holds this webhook’s token.')
  } else if (!result.dryRun) {
    lines.push(
      'Aircall returned no token: copy it from Dashboard › Integrations › Webhooks into AIRCALL_WEBHOOK_TOKEN.',
    )
  }
  lines.push('')
  if (result.intercom.topics.length === 0) {
    lines.push('Intercom: no webhook needed (escalation is disabled).')
  } else {
    lines.push(
      'Intercom: in the Developer Hub (your app › Webhooks), set the endpoint URL and subscribe to these topics:',
    )
    lines.push(`  endpoint: ${result.intercom.url}`)
    for (const topic of result.intercom.topics) lines.push(`    ${topic.name}  (${topic.neededBy.join(', ')})`)
    lines.push('  and export the app’s client secret as INTERCOM_CLIENT_SECRET (signatures are checked with it).')
  }
  return lines.join('\n')
}
