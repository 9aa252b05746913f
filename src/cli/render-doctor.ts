import Table from 'cli-table3'
import type { CheckStatus, DoctorResult } from '../app/doctor.js'

export const STATUS_MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', info: 'i', skip: '-' }

/** `fixWith`: the command that makes the pending repairs (with --yes when --fix could not ask anyone). */
export const renderDoctor = (result: DoctorResult, fixWith = '`doctor --fix`'): string => {
  const table = new Table({
    head: ['', 'check', 'result'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [3, 26, 72],
  })
  for (const check of result.checks) {
    table.push([STATUS_MARK[check.status], check.title, check.hint ? `${check.detail}\n↳ ${check.hint}` : check.detail])
  }
  const lines = [table.toString()]
  if (result.fixesApplied.length > 0) lines.push(`Fixed: ${result.fixesApplied.join('; ')}`)
  if (result.fixesPending.length > 0) {
    lines.push(`Can be fixed with ${fixWith}: ${result.fixesPending.join('; ')}`)
  }
  lines.push(
    result.failed === 0
      ? `All checks passed${result.warned > 0 ? ` (${result.warned} warning${result.warned === 1 ? '' : 's'})` : ''}.`
      : `${result.failed} check${result.failed === 1 ? '' : 's'} failed.`,
  )
  return lines.join('\n')
}
