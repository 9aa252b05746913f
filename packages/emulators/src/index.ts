/**
 * The emulators' front door: a sandbox (both emulators on loopback, seeded from one world) and the types shared by
 * both. Each emulator and the seeded world are also importable on their own, e.g.
 * `@aircall-intercom/emulators/intercom/index.js`.
 */
export { startSandbox, type SandboxHandle, type SandboxOptions } from './sandbox.js'
export type * from './types.js'
