import type { Runtime } from '../app/runtime.js'
import { resolverFor } from '../matching/services.js'
import { IntercomCallLogger } from '../sync/call-logger.js'

/** The note template's Liquid source: the loader already read any file it names and checked it parses. */
export function loadNoteTemplate(runtime: Runtime): string | undefined {
  return runtime.config.logging.templates.note
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
