/**
 * Runs both emulators in their own process, so what a benchmark measures in the toolkit's process is the
 * toolkit's own work. Reads a HostSpec (JSON) from argv[2], prints one JSON line with the URLs and the
 * generated credentials, and serves until SIGTERM. Counters and faults go through the `/_emulator` APIs.
 */
import { startSandbox } from '@aircall-intercom/emulators'
import { dilatedClock } from './lib/clock.js'
import { extraContacts, type HostInfo, type HostSpec } from './lib/host.js'

const main = async (): Promise<void> => {
  const spec = JSON.parse(process.argv[2] ?? '{}') as HostSpec
  const now = spec.dilation ? dilatedClock(spec.dilation) : Date.now
  const sandbox = await startSandbox({
    calls: spec.calls,
    seed: spec.seed ?? 1,
    days: spec.days ?? 30,
    now,
    aircall: { rateLimitPerMinute: 0, ...spec.aircall },
    intercom: { rateLimitPerMinute: 0, contract: 'off', ...spec.intercom },
  })
  if (spec.extraContacts) {
    const seed = sandbox.world.intercom
    sandbox.intercomEmulator.seed({
      ...seed,
      contacts: [...seed.contacts, ...extraContacts(spec.extraContacts, now())],
    })
  }
  const info: HostInfo = {
    aircall: sandbox.aircall,
    intercom: sandbox.intercom,
    world: {
      calls: sandbox.world.aircall.calls.length,
      contacts: sandbox.world.intercom.contacts.length + (spec.extraContacts ?? 0),
      knownCallers: sandbox.world.truth.knownCallers.slice(0, 200),
    },
  }
  process.stdout.write(`${JSON.stringify(info)}\n`)
  const stop = (): void => {
    void sandbox.close().finally(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

void main()
