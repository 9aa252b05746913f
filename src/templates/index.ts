export {
  callTemplateContextFrom,
  callTypeOf,
  type AircallCallLike,
  type CallClassificationInput,
  type CallTemplateContext,
  type CallType,
} from './context.js'
export {
  DEFAULT_CALL_NOTE_TEMPLATE,
  DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE,
  DEFAULT_RESOLVE_NOTE_TEMPLATE,
} from './defaults.js'
export {
  createTemplateRenderer,
  TemplateError,
  type TemplateCheck,
  type TemplateRenderer,
  type TemplateRendererOptions,
} from './engine.js'
export {
  describeMissedReason,
  escapeHtml,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  MISSED_REASONS,
  safeLink,
  type MissedReason,
} from './filters.js'
export {
  checkTemplate,
  renderCallHtml,
  renderCallNote,
  renderCallText,
  renderMissedCallMessage,
  renderResolveNote,
  templateScopeOf,
} from './render.js'
