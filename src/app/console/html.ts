/**
 * HTML escaped by construction: every value interpolated into an `html` template is escaped unless it is itself
 * the result of an `html` template. There is no other way to build a page, so text from a webhook (a caller's
 * name, an error message) can never become markup.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[]

const render = (value: Interpolated): string => {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return (value as readonly Interpolated[]).map(render).join('')
  return escapeHtml(String(value))
}

export const html = (strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml =>
  new SafeHtml(
    strings.reduce((out, text, index) => out + text + (index < values.length ? render(values[index]) : ''), ''),
  )
