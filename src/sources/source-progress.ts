/**
 * How far a source is through the whole run, for progress renderers: the calls of the run counted before
 * reading (the Aircall API's `meta.total` over the range), or the bytes of a CSV export read so far.
 */
export type SourceProgress = { type: 'planned'; calls: number } | { type: 'bytes'; read: number; total: number }
