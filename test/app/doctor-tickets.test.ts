import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ticketTypeRows } from '../../src/app/doctor-tickets.js'
import { runDoctor, type DoctorResult } from '../../src/app/doctor.js'
import type { LoadedConfig } from '../../src/config/loader.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import type { IntercomTicketType } from '../../src/intercom/tickets.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxConfig } from './sandbox-config.js'

const tempDir = useTempDir()
let sandbox: SandboxHandle

beforeAll(async () => {
  sandbox = await startSandbox({ calls: 10, days: 5, seed: 3, aircall: { rateLimitPerMinute: 0 } })
})
afterAll(async () => {
  await sandbox.close()
})

const loaded = (input: ConfigInput = {}): LoadedConfig => sandboxConfig(sandbox, tempDir(), input)

const ticketRow = (result: DoctorResult) => result.checks.find((check) => check.id === 'ticket-type')

describe('doctor: the configured Intercom ticket type (against the emulator)', () => {
  test('a live Back-office type whose mapped attributes exist passes', async () => {
    const result = await runDoctor({
      load: () => loaded({ tickets: { typeId: '89', on: ['voicemail'], attributes: { priority: 'High' } } }),
    })
    expect(ticketRow(result)).toMatchObject({
      title: 'Intercom ticket type',
      status: 'pass',
      detail: '89 Voicemail callback (Back-office), linked to the conversation',
    })
  })

  test('a Customer type says the conversation converts into it', async () => {
    const result = await runDoctor({ load: () => loaded({ tickets: { typeId: '88', on: ['missed-call'] } }) })
    expect(ticketRow(result)).toMatchObject({ status: 'pass', detail: expect.stringContaining('converts into it') })
  })

  test('an unknown id fails, listing the types to choose from', async () => {
    const result = await runDoctor({ load: () => loaded({ tickets: { typeId: '4040', on: ['voicemail'] } }) })
    expect(ticketRow(result)).toMatchObject({
      status: 'fail',
      detail: 'no ticket type has id 4040',
      hint: expect.stringContaining('88 Call follow-up (Customer); 89 Voicemail callback (Back-office)'),
    })
    expect(result.failed).toBeGreaterThan(0)
  })

  test('a mapped attribute the type does not have fails, naming the key and the attributes it has', async () => {
    const result = await runDoctor({
      load: () => loaded({ tickets: { typeId: '89', on: ['voicemail'], attributes: { Colour: 'red' } } }),
    })
    expect(ticketRow(result)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('tickets.attributes.Colour: the ticket type has no attribute "Colour"'),
      hint: 'its attributes: Aircall line, Priority',
    })
  })

  test('no ticket type configured: no row and no request', async () => {
    const listed = (): number =>
      Object.values(sandbox.intercomEmulator.requestCounts().byRoute['GET /ticket_types'] ?? {}).reduce(
        (a, b) => a + b,
        0,
      )
    const before = listed()
    const result = await runDoctor({ load: () => loaded({}) })
    expect(ticketRow(result)).toBeUndefined()
    expect(listed()).toBe(before)
  })
})

const type = (patch: Partial<IntercomTicketType>): IntercomTicketType => ({
  id: '7',
  name: 'Callback',
  category: 'Back-office',
  archived: false,
  attributes: [
    { id: '1', name: '_default_title_', dataType: 'string', requiredToCreate: true, isDefault: true, listItems: [] },
    { id: '2', name: 'Account', dataType: 'string', requiredToCreate: true, isDefault: false, listItems: [] },
  ],
  states: [{ id: '1', category: 'submitted', internalLabel: 'Submitted' }],
  ...patch,
})

const config = (patch: Record<string, unknown>) => configSchema.parse({ tickets: { typeId: '7', ...patch } }).tickets

describe('ticketTypeRows', () => {
  test('a required attribute left unmapped and a missing resolved state are both named', () => {
    const [result] = ticketTypeRows(config({}), [type({})])
    expect(result?.status).toBe('fail')
    expect(result?.detail).toContain('the ticket type requires "Account": map it in tickets.attributes')
    expect(result?.detail).toContain('no resolved state')
    // The default title is filled by the tool: it is never asked for.
    expect(result?.detail).not.toContain('_default_title_')
  })

  test('mapped, and closeOnResolve off: it passes', () => {
    const [result] = ticketTypeRows(config({ attributes: { account: '{{ call.number }}' }, closeOnResolve: false }), [
      type({}),
    ])
    expect(result?.status).toBe('pass')
  })

  test('an archived type fails and is not offered as a choice', () => {
    const [result] = ticketTypeRows(config({}), [type({ archived: true }), type({ id: '8', name: 'Other' })])
    expect(result).toMatchObject({
      status: 'fail',
      detail: '7 Callback (Back-office) is archived',
      hint: 'set tickets.typeId to one of: 8 Other (Back-office)',
    })
  })
})
