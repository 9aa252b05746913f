export { cleanPhone, type CleanedPhone } from './clean.js'
export { nationalSpellings } from './national-spellings.js'
export {
  normalisePhone,
  toE164,
  type AnonymousPhone,
  type CountryCode,
  type InvalidPhone,
  type InvalidPhoneReason,
  type PhoneClassification,
  type ValidPhone,
} from './normalise.js'
export { plausibleReadings, type PlausibleReading, type ReadingCountries, type ReadingDerivation } from './readings.js'
export { describePhoneVariants, phoneSearchVariants, type PhoneVariant, type PhoneVariantFormat } from './variants.js'
