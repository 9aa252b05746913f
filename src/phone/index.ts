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
export { describePhoneVariants, phoneSearchVariants, type PhoneVariant, type PhoneVariantFormat } from './variants.js'
