import type { InitResult } from '../app/init.js'

export const renderInit = (result: InitResult): string => {
  const { answers } = result
  const lines = [
    `✓ ${result.overwritten ? 'Overwrote' : 'Wrote'} ${result.file}`,
    `  Intercom region ${answers.region}, admin ${answers.adminId ?? '(not set)'}, calls logged as ${answers.logMode}s, default country ${answers.defaultCountry}`,
    `  tag mapping: ${answers.tagMap.length > 0 ? answers.tagMap.map((entry) => `${entry.tag} → ${entry.attribute} (${entry.type}, ${entry.target})`).join('; ') : 'none'}`,
    `  missed-call messages: ${answers.missedCallMessage ? 'on' : 'off'}; VIP notes: ${answers.vipTag ? `calls tagged ${answers.vipTag}` : 'off'}`,
    '',
    'Next:',
    ...result.nextSteps.map((step) => `  ${step}`),
  ]
  return lines.join('\n')
}
