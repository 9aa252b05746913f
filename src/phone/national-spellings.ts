import { parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max'

function parseValid(e164: string): PhoneNumber | null {
  try {
    const phone = parsePhoneNumberWithError(e164)
    return phone.isValid() ? phone : null
  } catch {
    return null
  }
}

/** A set of digit groups written the ways people separate them: spaces, dashes, dots, nothing, parentheses. */
function writings(groups: string[], trunkApart: string | null, parentheses = true): string[] {
  const [area, ...rest] = groups
  if (area === undefined) return []
  const lead = trunkApart === null ? '' : `${trunkApart} `
  const all = trunkApart === null ? groups : [trunkApart, ...groups]
  const out = [all.join(' '), all.join('-'), all.join('.'), all.join('')]
  if (parentheses && rest.length > 0)
    out.push(`${lead}(${area}) ${rest.join('-')}`, `${lead}(${area}) ${rest.join(' ')}`)
  return out
}

// IFT retired these prefixes in 2019 (see dialling.ts), but contacts stored before then still carry them.
const MEXICO_LEGACY_PREFIXES = ['044', '045', '01']

/**
 * How people type a number nationally in its own country: the plan's national format first, then its digit
 * groups with and without the trunk prefix (0, NANP 1, Russia's 8), spaced, dashed, dotted, run together and
 * with the area code in parentheses; Mexico's retired prefixes last. Search keys for a store that matches
 * phone strings verbatim, read under the number's own country; empty for invalid and non-geographic numbers.
 */
export function nationalSpellings(e164: string): string[] {
  const phone = parseValid(e164)
  if (!phone?.country) return []

  const nsn = phone.nationalNumber
  const national = phone.formatNational()
  const groups = national.split(/[\s\-()]+/).filter((group) => group.length > 0)
  const nationalDigits = groups.join('')

  // The trunk prefix is what the national format adds in front of the national significant number; NANP
  // formats leave out the "1" (NANPA: dialled before the area code for toll calls), Argentina's format also
  // rewrites the mobile digits, leaving only its leading 0 as trunk.
  let trunk = ''
  if (nationalDigits.endsWith(nsn)) trunk = nationalDigits.slice(0, nationalDigits.length - nsn.length)
  else if (nationalDigits.startsWith('0') && !nsn.startsWith('0')) trunk = '0'
  if (trunk === '' && phone.countryCallingCode === '1') trunk = '1'

  const [first = '', ...rest] = groups
  let bare = groups
  let trunkApart: string | null = null
  if (trunk !== '' && first === trunk) {
    bare = rest
    trunkApart = trunk
  } else if (trunk !== '' && first.startsWith(trunk)) bare = [first.slice(trunk.length), ...rest]
  else if (trunk !== '') trunkApart = trunk

  const withTrunk =
    trunk === ''
      ? []
      : trunkApart !== null
        ? writings(bare, trunkApart)
        : writings([`${trunk}${bare[0] ?? ''}`, ...bare.slice(1)], null)
  // "(20) 7946 0123" is nobody's writing: parentheses hold an area code as dialled, trunk prefix included.
  const withoutTrunk = writings(bare, null, trunk === '' || trunkApart !== null)
  const spellings = [national, ...withTrunk, ...withoutTrunk]
  if (phone.country === 'MX') {
    for (const prefix of MEXICO_LEGACY_PREFIXES) spellings.push(`${prefix} ${bare.join(' ')}`, `${prefix}${nsn}`)
  }
  return [...new Set(spellings)].filter((spelling) => spelling.length > 0)
}
