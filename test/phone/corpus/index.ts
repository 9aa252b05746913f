import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { parse } from 'csv-parse/sync'
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max'

/**
 * Where each truth comes from: the numbering plan (or standard) whose rule turns the spelling into E.164.
 * Truths were written from these rules by hand, never by running libphonenumber.
 */
export const CORPUS_SOURCES = {
  'ITU-E164': 'ITU-T E.164: country codes, at most 15 digits, "00" as the recommended international prefix',
  'ITU-E123':
    'ITU-T E.123: "+" for international notation, which leaves the trunk prefix out, so a "(0)" written in one is not dialled',
  'ITU-E161': 'ITU-T E.161: letters on the keypad (ABC 2, DEF 3, GHI 4, JKL 5, MNO 6, PQRS 7, TUV 8, WXYZ 9)',
  RFC3966: 'RFC 3966: the tel URI, its ;ext= and ;phone-context= parameters',
  UNICODE: 'The Unicode Standard: NFKC compatibility forms, decimal digits (Nd), format characters (Cf), spaces (Zs)',
  NANPA:
    'NANPA, North American Numbering Plan: NPA-NXX-XXXX with N = 2–9; 1 toll prefix; 011 international prefix; 555-0100–0199 fictitious; N9X NPAs reserved',
  CNAC: 'Canadian Numbering Administrator (CNAC), NANP in Canada: 416/514/604 NPAs',
  IFT: 'IFT Mexico, Plan Técnico Fundamental de Numeración: 10-digit national numbers since 3 August 2019; 01, 044, 045 and the mobile "1" after +52 retired',
  ANATEL:
    'Anatel, Regulamento de Numeração: 0 + carrier selection code (CSP, 2 digits) + area code; 00 + CSP + country code abroad; nine-digit mobiles',
  ENACOM:
    'ENACOM Argentina, Plan Fundamental de Numeración: trunk 0, Buenos Aires 11, mobiles 15 nationally and 9 after +54',
  OFCOM:
    'Ofcom, National Telephone Numbering Plan and numbers reserved for TV and radio drama: trunk 0, 020 London, 07 mobile',
  COMREG: 'ComReg, Numbering Conventions (Ireland): trunk 0, 01 Dublin, 021 Cork, 08x mobile',
  ARCEP:
    'ARCEP, plan national de numérotation: ten digits with trunk 0, 01–05 geographic, 06/07 mobile, 09 non-geographic; 01 99 00 reserved for fiction',
  BIPT: 'BIPT/IBPT Belgian numbering plan: trunk 0, 02 Brussels, 03 Antwerp, 04xx mobile',
  ACM: 'Netherlands Nummerplan (ACM): trunk 0, 06 mobile, 020 Amsterdam, 010 Rotterdam',
  BNETZA:
    'Bundesnetzagentur, Nummernplan: trunk 0, 030 Berlin, 089 Munich, 040 Hamburg, 0221 Cologne, 015x/016x/017x mobile',
  RTR: 'RTR Austria, KEM-V: trunk 0, 0316 Graz, 066x mobile',
  BAKOM: 'BAKOM/OFCOM Switzerland, numbering plan: trunk 0, 044 Zürich, 022 Geneva, 031 Bern, 07x mobile',
  CNMC: 'Spain, Plan Nacional de Numeración (CNMC): nine digits, no trunk prefix, 91 Madrid, 93 Barcelona, 6xx mobile',
  ANACOM: 'ANACOM Portugal, Plano Nacional de Numeração: nine digits, no trunk prefix, 21 Lisbon, 22 Porto, 9x mobile',
  AGCOM: 'AGCOM Italy, Piano di numerazione: geographic numbers keep their leading 0 (also after +39), 3xx mobile',
  UKE: 'UKE Poland, Plan numeracji krajowej: closed nine-digit plan, no trunk prefix',
  PTS: 'PTS Sweden, numbering plan: trunk 0, 08 Stockholm, 031 Gothenburg, 07x mobile',
  ROSSVYAZ: 'Russian numbering plan (Rossvyaz): trunk 8, international prefix 8~10, 495 Moscow, 9xx mobile',
  MIC: 'MIC Japan, 電気通信番号計画: trunk 0, international prefix 010, 03 Tokyo, 06 Osaka, 011 Sapporo, 090 mobile',
  MIIT: 'MIIT China, numbering plan: trunk 0, 010 Beijing, 021 Shanghai, 11-digit 1xx mobiles',
  DOT: 'DoT India, National Numbering Plan 2003: trunk 0, 11 Delhi, 22 Mumbai, ten-digit mobiles',
  ACMA: 'ACMA, Telecommunications Numbering Plan 2015 and numbers for drama: trunk 0, international prefix 0011, 1800 freephone',
  IMDA: 'IMDA Singapore, National Numbering Plan: eight digits, no trunk prefix, 6 fixed, 8/9 mobile',
  ICASA: 'ICASA South Africa, Numbering Plan Regulations: trunk 0, 021 Cape Town, 011 Johannesburg, 08x mobile',
  CST: 'CST Saudi Arabia, National Numbering Plan: trunk 0, 05x mobile',
  NTRA: 'NTRA Egypt, numbering plan: trunk 0, 02 Cairo, 010/011/012/015 mobile',
} as const

export type CorpusSource = keyof typeof CORPUS_SOURCES

export type CorpusEntry = {
  /** As a person or system wrote it; `\u{…}` escapes in the file stand for invisible characters. */
  raw: string
  /** The country it was typed in: the contact's country. */
  country: CountryCode
  /** The number it is, or null when it must match nothing. */
  e164: string | null
  source: CorpusSource
  note: string
}

const CORPUS_FILE = fileURLToPath(new URL('./corpus.csv', import.meta.url))

function unescape(text: string): string {
  return text.replace(/\\u\{([0-9a-fA-F]{1,6})\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
}

function isSource(value: string): value is CorpusSource {
  return Object.hasOwn(CORPUS_SOURCES, value)
}

/** The phone-spelling corpus, checked on load: a malformed row throws rather than silently testing less. */
export function loadPhoneCorpus(): CorpusEntry[] {
  const rows: Array<Record<string, string>> = parse(readFileSync(CORPUS_FILE, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    trim: false,
  })
  return rows.map((row, index) => {
    const { raw = '', country = '', e164 = '', source = '', note = '' } = row
    const where = `corpus.csv row ${index + 2}`
    if (!isSupportedCountry(country)) throw new Error(`${where}: unknown country ${country}`)
    if (!isSource(source)) throw new Error(`${where}: unknown source ${source}`)
    if (e164 !== '' && !/^\+[1-9]\d{4,14}$/.test(e164)) throw new Error(`${where}: not E.164: ${e164}`)
    if (note.trim() === '') throw new Error(`${where}: no note`)
    return { raw: unescape(raw), country, e164: e164 === '' ? null : e164, source, note }
  })
}
