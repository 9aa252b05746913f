import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { checkTemplate } from '../templates/index.js'
import type { AppConfig } from './schema.js'

/** A template setting holds Liquid source, or the path of a file holding it (relative to the config file). */
export const readTemplateSetting = (
  value: string,
  baseDir: string,
): { ok: true; source: string } | { ok: false; error: string } => {
  const looksLikePath = !value.includes('{') && !value.includes('<') && /\.(liquid|html?|txt)$/i.test(value)
  if (!looksLikePath) return { ok: true, source: value }
  const path = resolve(baseDir, value)
  if (!existsSync(path)) return { ok: false, error: `no template file at ${path}` }
  return { ok: true, source: readFileSync(path, 'utf8') }
}

/** Every template the config names, checked when the config loads so a typo never surfaces mid-run. */
export const templateProblems = (config: AppConfig, baseDir: string): Array<{ path: string; message: string }> => {
  const settings: Array<[string, string | undefined]> = [
    ['logging.templates.note', config.logging.templates.note],
    ['resolve.noteTemplate', config.resolve.noteTemplate],
    ...config.missedCalls.templates.flatMap((template, index): Array<[string, string | undefined]> => [
      [`missedCalls.templates[${index}].body`, template.body],
      [`missedCalls.templates[${index}].subject`, template.subject],
    ]),
  ]
  const problems: Array<{ path: string; message: string }> = []
  for (const [path, value] of settings) {
    if (value === undefined) continue
    const read = readTemplateSetting(value, baseDir)
    if (!read.ok) {
      problems.push({ path, message: read.error })
      continue
    }
    const check = checkTemplate(read.source)
    if (!check.ok) problems.push({ path, message: `template does not parse: ${check.error}` })
  }
  return problems
}
