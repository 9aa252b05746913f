import { parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max'

export type PhoneVariantFormat =
  'e164' | 'international' | 'aircall' | 'national' | 'national-digits' | 'digits-without-plus' | 'idd-00'

export type PhoneVariant = {
  format: PhoneVariantFormat
  value: string
  /**
   * How the variant reads back: 'self' on its own, 'country' only with the number's country as default,
   * 'ambiguous' never safely (bare "4915123456789" is also a valid German national number), so it is a
   * search key and must not be normalised into an identity.
   */
  readsBack: 'self' | 'country' | 'ambiguous'
}

function parseE164(e164: string): PhoneNumber | null {
  try {
    const phone = parsePhoneNumberWithError(e164)
    return phone.isValid() ? phone : null
  } catch {
    return null
  }
}

/** The labelled variants behind `phoneSearchVariants`, first label kept when two formats coincide. */
export function describePhoneVariants(e164: string): PhoneVariant[] {
  const phone = parseE164(e164)
  if (!phone) return []

  const code = phone.countryCallingCode
  const nsn = phone.nationalNumber
  const international = phone.formatInternational()
  const afterCode = international.slice(`+${code} `.length)
  const national = phone.formatNational()

  // A non-geographic number (+800, +882 …) has no country to dial it from, so its "national" form names nothing.
  const nationalVariants: PhoneVariant[] = phone.country
    ? [
        { format: 'national', value: national, readsBack: 'country' },
        { format: 'national-digits', value: national.replace(/\D/g, ''), readsBack: 'country' },
      ]
    : []
  const candidates: PhoneVariant[] = [
    { format: 'e164', value: phone.number, readsBack: 'self' },
    { format: 'international', value: international, readsBack: 'self' },
    // Aircall's raw_digits style: "+1 617-610-5413".
    { format: 'aircall', value: `+${code} ${afterCode.replace(/\s+/g, '-')}`, readsBack: 'self' },
    ...nationalVariants,
    { format: 'digits-without-plus', value: `${code}${nsn}`, readsBack: 'ambiguous' },
    { format: 'idd-00', value: `00${code}${nsn}`, readsBack: 'self' },
  ]
  const seen = new Set<string>()
  return candidates.filter((variant) => {
    if (variant.value.length === 0 || seen.has(variant.value)) return false
    seen.add(variant.value)
    return true
  })
}

/**
 * The exact strings a store that matches phone numbers verbatim (Intercom's `phone` field is free text) may
 * hold for one number: E.164 first, then the formats people and Aircall write. Deduplicated, stable order.
 * An input that is not a valid number yields nothing: searching for it would turn a guess into an identity.
 */
export function phoneSearchVariants(e164: string): string[] {
  return describePhoneVariants(e164).map((variant) => variant.value)
}
