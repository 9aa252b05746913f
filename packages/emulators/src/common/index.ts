/** Shared building blocks for the local emulators (router, JSON I/O, PRNG, faults, webhook delivery). */
export * from './faults.js'
export * from './http.js'
export * from './listen.js'
export * from './prng.js'
export * from './router.js'
export * from './webhook-deliverer.js'
