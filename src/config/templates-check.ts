import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { checkTemplate } from '../templates/index.js'
import type { AppConfig } from './schema.js'

export type TemplateSettingRead = { ok: true; source: string; file: string | null } | { ok: false; error: string }

// Extensions a template file is given; a value ending in one is taken for a path, so a mistyped path fails
// at load instead of being sent to a customer as the message text.
const TEMPLATE_FILE = /\.(liquid|html?|txt|md)$/i
const RELATIVE_OR_ABSOLUTE = /^\.\.?[\\/]/

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * A template setting holds Liquid source, or the path of a file holding it (relative to the config file,
 * or absolute). Liquid markup (`{`, `<`) or a line break means source; a template extension or a leading
 * `./`, `../` or `/` means a path that must exist; any other single word is a path only when the file exists.
 */
export const readTemplateSetting = (value: string, baseDir: string): TemplateSettingRead => {
  const candidate = value.trim()
  if (candidate === '' || /[{<\r\n]/.test(candidate)) return { ok: true, source: value, file: null }
  const path = resolve(baseDir, candidate)
  const namesAFile = TEMPLATE_FILE.test(candidate) || RELATIVE_OR_ABSOLUTE.test(candidate) || isAbsolute(candidate)
  if (!namesAFile && (/\s/.test(candidate) || !isFile(path))) return { ok: true, source: value, file: null }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    return {
      ok: false,
      error: code === 'ENOENT' ? `file ${path} not found` : `file ${path} cannot be read: ${message}`,
    }
  }
  // Editors end a file with a line break; a subject (sent as it is, not rendered) must not carry it.
  return { ok: true, source: text.replace(/\r?\n$/, ''), file: path }
}

interface TemplateSetting {
  path: string
  value: string | undefined
  replace: (source: string) => void
}

/** Every setting of the schema that holds a template, by the key path a problem names. */
const templateSettings = (config: AppConfig): TemplateSetting[] => [
  {
    path: 'logging.templates.note',
    value: config.logging.templates.note,
    replace: (source) => (config.logging.templates.note = source),
  },
  ...config.missedCalls.templates.flatMap((template, index): TemplateSetting[] => [
    {
      path: `missedCalls.templates[${index}].body`,
      value: template.body,
      replace: (source) => (template.body = source),
    },
    {
      path: `missedCalls.templates[${index}].subject`,
      value: template.subject,
      replace: (source) => (template.subject = source),
    },
  ]),
  {
    path: 'resolve.noteTemplate',
    value: config.resolve.noteTemplate,
    replace: (source) => (config.resolve.noteTemplate = source),
  },
  ...(Object.keys(config.insights.templates) as Array<keyof AppConfig['insights']['templates']>).map(
    (kind): TemplateSetting => ({
      path: `insights.templates.${kind}`,
      value: config.insights.templates[kind],
      replace: (source) => (config.insights.templates[kind] = source),
    }),
  ),
  {
    path: 'voicemail.template',
    value: config.voicemail.template,
    replace: (source) => (config.voicemail.template = source),
  },
  {
    path: 'tickets.title',
    value: config.tickets.title,
    replace: (source) => (config.tickets.title = source),
  },
  {
    path: 'tickets.description',
    value: config.tickets.description,
    replace: (source) => (config.tickets.description = source),
  },
  ...Object.keys(config.tickets.attributes).map((name): TemplateSetting => ({
    path: `tickets.attributes.${name}`,
    value: config.tickets.attributes[name],
    replace: (source) => (config.tickets.attributes[name] = source),
  })),
]

export interface ResolvedTemplates {
  problems: Array<{ path: string; message: string }>
  /** Key path → the absolute path of the file its Liquid source was read from. */
  files: Record<string, string>
}

/**
 * Reads every template file the config names and checks every template parses, once, when the config loads:
 * each setting is replaced in `config` by its Liquid source, so no consumer ever sees a file name.
 */
export const resolveTemplateSettings = (config: AppConfig, baseDir: string): ResolvedTemplates => {
  const problems: ResolvedTemplates['problems'] = []
  const files: ResolvedTemplates['files'] = {}
  for (const setting of templateSettings(config)) {
    if (setting.value === undefined) continue
    const read = readTemplateSetting(setting.value, baseDir)
    if (!read.ok) {
      problems.push({ path: setting.path, message: read.error })
      continue
    }
    if (read.file !== null && read.source.trim() === '') {
      problems.push({ path: setting.path, message: `file ${read.file} is empty` })
      continue
    }
    const check = checkTemplate(read.source)
    if (!check.ok) {
      const what = read.file === null ? 'template' : `file ${read.file}`
      problems.push({ path: setting.path, message: `${what} does not parse: ${check.error}` })
      continue
    }
    if (read.file !== null) {
      files[setting.path] = read.file
      setting.replace(read.source)
    }
  }
  return { problems, files }
}
