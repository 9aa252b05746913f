/**
 * Sending messages in agent conversation (native) mode: SMS/MMS on a number, and WhatsApp on a line. Both answer
 * the message with status `pending`; `message.sent` and `message.status_updated` follow on the configured delays.
 */
import { sendJson } from '../common/http.js'
import { type EmulatorCore, parseIdParam, readObjectBody, type RouteInstaller } from './core.js'
import { badRequest, notFoundId, unprocessable } from './errors.js'
import { channelProblem, sendMessage, sendResponse, textProblem, whatsappWindowOpen } from './messages.js'
import type { MessageMedia } from './model.js'
import { toE164 } from './phone.js'

/** ATT sends `user_id`, PY-CI documents `agentId`: either names the agent; an unknown one is refused. */
function agentOf(core: EmulatorCore, body: Record<string, unknown>): number | null | string {
  const raw = body.user_id ?? body.agentId
  if (raw === undefined || raw === null) return null
  if (!Number.isInteger(raw) || !core.store.users.has(raw as number)) return 'user_id must be the id of a user'
  return raw as number
}

export const installMessageRoutes: RouteInstaller = (router, core) => {
  router.post('/v1/numbers/:id/messages/native/send', async (ctx) => {
    const id = parseIdParam(ctx.params.id)
    const line = id === null ? undefined : core.store.numbers.get(id)
    if (!line) return notFoundId(ctx.res, 'Number', ctx.params.id ?? '')
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const to = typeof body.to === 'string' ? toE164(body.to) : null
    if (!to) return badRequest(ctx.res, 'to is required and must be a phone number in E.164 format')
    const media = body.mediaUrl ?? []
    if (!Array.isArray(media) || !media.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
      return badRequest(ctx.res, 'mediaUrl must be an array of URLs')
    // An MMS may be media alone; any text must fit the SMS limit.
    if (body.body !== undefined || media.length === 0) {
      const problem = textProblem('sms', body.body, 'body')
      if (problem) return badRequest(ctx.res, problem)
    }
    const agent = agentOf(core, body)
    if (typeof agent === 'string') return badRequest(ctx.res, agent)
    const message = sendMessage(core, {
      numberId: line.id,
      to,
      body: typeof body.body === 'string' ? body.body : null,
      channel: 'sms',
      userId: agent,
      media: (media as string[]).map((url, i): MessageMedia => ({ fileName: `media-${i + 1}`, fileType: '', url })),
    })
    sendJson(ctx.res, 200, sendResponse(core, message))
  })

  router.post('/v1/messages/send/whatsapp/native', async (ctx) => {
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    if (!Number.isInteger(body.lineId)) return badRequest(ctx.res, 'lineId is required and must be a number id')
    const line = core.store.numbers.get(body.lineId as number)
    if (!line) return notFoundId(ctx.res, 'Number', body.lineId as number)
    const to = typeof body.externalNumber === 'string' ? toE164(body.externalNumber) : null
    if (!to) return badRequest(ctx.res, 'externalNumber is required and must be a phone number in E.164 format')
    const hasText = body.text !== undefined
    const hasTemplate = body.templateParams !== undefined
    if (hasText === hasTemplate) return badRequest(ctx.res, 'send exactly one of text or templateParams')
    if (hasText) {
      const problem = textProblem('whatsapp', body.text, 'text')
      if (problem) return badRequest(ctx.res, problem)
    } else if (typeof body.templateParams !== 'object' || body.templateParams === null) {
      return badRequest(ctx.res, 'templateParams must be an object')
    }
    const disabled = channelProblem(line, 'whatsapp')
    if (disabled) return unprocessable(ctx.res, disabled)
    if (hasText && !whatsappWindowOpen(core, line.id, to)) {
      return unprocessable(
        ctx.res,
        `free-form WhatsApp messages need the customer to have written within ${core.settings.whatsappWindowHours} hours: send an approved template (templateParams)`,
      )
    }
    const message = sendMessage(core, {
      numberId: line.id,
      to,
      body: hasText ? (body.text as string) : null,
      channel: 'whatsapp',
      userId: null,
      media: [],
      templateParams: hasTemplate ? (body.templateParams as Record<string, unknown>) : null,
    })
    sendJson(ctx.res, 200, sendResponse(core, message))
  })
}
