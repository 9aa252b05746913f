import { dirname } from 'node:path'

import type { Runtime } from '../app/runtime.js'
import { readTemplateSetting } from '../config/templates-check.js'
import { UserError } from '../errors.js'
import { resolverFor } from '../matching/services.js'
import { IntercomCallLogger } from '../sync/call-logger.js'
import { checkTemplate } from '../templates/index.js'

/**
 * `logging.templates.note` is either Liquid source or the path of a file holding it (relative to the
 * config file); a template that does not parse stops the run before anything is written.
 */
export function loadNoteTemplate(runtime: Runtime): string | undefined {
  const value = runtime.config.logging.templates.note
  if (value === undefined) return undefined
  const base = runtime.loaded.file ? dirname(runtime.loaded.file) : process.cwd()
  // The loader already checked it; read again here because a template file may have changed since.
  const read = readTemplateSetting(value, base)
  if (!read.ok) {
    throw new UserError(
      `logging.templates.note: ${read.error}`,
      'give the Liquid source inline, or a path relative to the config file',
    )
  }
  const check = checkTemplate(read.source)
  if (!check.ok)
    throw new UserError(
      `logging.templates.note does not parse: ${check.error}`,
      'fix the template, or remove it to use the default note',
    )
  return read.source
}

export function createCallLogger(runtime: Runtime): IntercomCallLogger {
  return new IntercomCallLogger({
    store: runtime.store,
    intercom: runtime.intercom,
    resolver: resolverFor(runtime),
    adminId: runtime.adminId,
    config: runtime.config,
    noteTemplate: loadNoteTemplate(runtime),
  })
}
