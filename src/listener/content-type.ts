/**
 * `application/json` or a `+json` type, with no charset or a UTF-8 one: what Aircall and Intercom send, and all
 * the intake decodes (RFC 8259 requires UTF-8 between systems).
 */
export const isJsonContentType = (header: string | undefined): boolean => {
  if (header === undefined) return false
  const [type = '', ...parameters] = header.split(';')
  const mediaType = type.trim().toLowerCase()
  if (mediaType !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(mediaType)) return false
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=')
    if (name.trim().toLowerCase() !== 'charset') continue
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
    if (charset !== 'utf-8' && charset !== 'utf8') return false
  }
  return true
}
