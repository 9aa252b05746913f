import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { configFromAnswers, renderConfigYaml } from '../../src/app/config-writer.js'
import {
  askAnswers,
  defaultAnswers,
  parseTagMapFlag,
  runInit,
  type InitAnswers,
  type InitLookups,
  type Prompter,
} from '../../src/app/init.js'
import { loadConfig } from '../../src/config/loader.js'
import { CancelledError, UserError } from '../../src/errors.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const LOOKUPS: InitLookups = {
  admins: [
    { id: '11', name: 'Ada', email: 'ada@example.com' },
    { id: '12', name: 'Grace', email: null },
  ],
  meId: '12',
  aircallTags: ['VIP', 'billing', 'resolved'],
  contactAttributes: [
    { name: 'plan', type: 'string' },
    { name: 'is_vip', type: 'boolean' },
  ],
  ticketTypes: [
    { id: '88', name: 'Call follow-up', category: 'Customer' },
    { id: '89', name: 'Voicemail callback', category: 'Back-office' },
  ],
}
const NO_LOOKUPS: InitLookups = { admins: null, meId: null, aircallTags: null, contactAttributes: null }

/** Answers prompts from a script keyed by the start of each question, and records what was asked. */
const scripted = (script: Array<[string, unknown]>) => {
  const asked: string[] = []
  const answer = (message: string, fallback: unknown): Promise<never> => {
    asked.push(message)
    const index = script.findIndex(([start]) => message.startsWith(start))
    if (index < 0) return Promise.resolve(fallback as never)
    const [[, value]] = script.splice(index, 1) as [[string, unknown]]
    return Promise.resolve(value as never)
  }
  const prompter: Prompter = {
    select: (question) => answer(question.message, question.default),
    input: (question) => answer(question.message, question.default ?? ''),
    confirm: (question) => answer(question.message, question.default ?? false),
    checkbox: (question) => answer(question.message, []),
  }
  return { prompter, asked, script }
}

const BASE: InitAnswers = {
  region: 'eu',
  adminId: '12',
  logMode: 'note',
  defaultCountry: 'FR',
  tagMap: [{ tag: 'VIP', attribute: 'aircall_vip', type: 'boolean', target: 'both' }],
  missedCallMessage: '<p>Sorry we missed you, {{ caller.name }}</p>',
  vipTag: 'VIP',
  tickets: { typeId: '89', on: ['voicemail', 'missed-call'] },
}

describe('answers → configuration', () => {
  test('the commented YAML loads back, with an empty environment, into exactly the answers', () => {
    const file = join(tempDir(), 'out.yml')
    const text = renderConfigYaml(BASE)
    writeFileSync(file, text)
    const { config } = loadConfig({ configPath: file, env: {} })
    expect(config.intercom).toMatchObject({ region: 'eu', adminId: '12' })
    expect(config.logging.mode).toBe('note')
    expect(config.matching.defaultCountry).toBe('FR')
    expect(config.tags.map).toEqual([{ tag: 'VIP', attribute: 'aircall_vip', type: 'boolean', target: 'both' }])
    expect(config.missedCalls.enabled).toBe(true)
    expect(config.missedCalls.templates[0]?.body).toBe(BASE.missedCallMessage)
    expect(config.vip.rules).toEqual([{ name: 'VIP callers', tags: ['VIP'], note: true, assign: false }])
    expect(config.tickets).toMatchObject({ typeId: '89', on: ['voicemail', 'missed-call'] })
    expect(text).toContain('doctor` checks the type and its attributes')
    // Comments explain each section; secrets appear only as variable names.
    expect(text).toContain('# Where the workspace is hosted: us, eu or au.')
    expect(text).toContain('INTERCOM_ACCESS_TOKEN')
    expect(text).not.toMatch(/^\s*(apiToken|accessToken|clientSecret|apiId):/m)
  })

  test('without admin, missed-call message or VIP, those stay off and the file says how to set the admin', () => {
    const answers: InitAnswers = { ...BASE, adminId: null, missedCallMessage: null, vipTag: null, tagMap: [] }
    expect(configFromAnswers(answers)).toMatchObject({ missedCalls: { enabled: false }, vip: { enabled: false } })
    expect(renderConfigYaml(answers)).toContain('Set adminId (or INTERCOM_ADMIN_ID)')
  })

  test.each<[string, ReturnType<typeof parseTagMapFlag>]>([
    ['VIP=aircall_vip:boolean', { tag: 'VIP', attribute: 'aircall_vip', type: 'boolean', target: 'contact' }],
    [
      'billing=last_topic:string:conversation',
      { tag: 'billing', attribute: 'last_topic', type: 'string', target: 'conversation' },
    ],
    ['Key account=plan', { tag: 'Key account', attribute: 'plan', type: 'string', target: 'contact' }],
    ['x=new_attr', { tag: 'x', attribute: 'new_attr', type: 'boolean', target: 'contact' }],
  ])('--tag-map %s', (flag, expected) => {
    expect(parseTagMapFlag(flag, LOOKUPS.contactAttributes)).toEqual(expected)
  })

  test.each(['VIP', '=attr', 'VIP=bad name', 'VIP=a:float', 'VIP=a:boolean:company'])(
    '--tag-map %s is refused',
    (flag) => {
      expect(() => parseTagMapFlag(flag)).toThrow(UserError)
    },
  )
})

describe('the wizard', () => {
  test('asks every question, lists admins and tags from the APIs, and maps the answers', async () => {
    const { prompter, asked, script } = scripted([
      ['Where is your Intercom', 'au'],
      ['Which Intercom admin', '11'],
      ['How should each call', 'conversation'],
      ['Default country', 'gb'],
      ['Which Aircall call tags', ['VIP', 'billing']],
      ['Intercom contact attribute for the Aircall tag "VIP"', 'is_vip'],
      ['Write "is_vip" on', 'contact'],
      ['Intercom contact attribute for the Aircall tag "billing"', '\u0000new'],
      ['Name of the new attribute for "billing"', 'aircall_billing'],
      ['Type of "aircall_billing"', 'string'],
      ['Write "aircall_billing" on', 'conversation'],
      ['Send an in-app message', true],
      ['Message', 'Hi {{ caller.name }}'],
      ['Add a note to calls from VIP', true],
      ['Which Aircall tag marks', 'VIP'],
      ['Open an Intercom ticket', true],
      ['Which ticket type', '89'],
      ['Which calls open a ticket', ['voicemail', 'missed-call']],
    ])
    const regions: string[] = []
    const answers = await askAnswers(prompter, {}, (region) => {
      regions.push(region)
      return Promise.resolve(LOOKUPS)
    })
    expect(script).toEqual([])
    expect(regions).toEqual(['au'])
    expect(asked).not.toContain('Type of "is_vip"')
    expect(answers).toEqual({
      region: 'au',
      adminId: '11',
      logMode: 'conversation',
      defaultCountry: 'GB',
      tagMap: [
        { tag: 'VIP', attribute: 'is_vip', type: 'boolean', target: 'contact' },
        { tag: 'billing', attribute: 'aircall_billing', type: 'string', target: 'conversation' },
      ],
      missedCallMessage: 'Hi {{ caller.name }}',
      vipTag: 'VIP',
      tickets: { typeId: '89', on: ['voicemail', 'missed-call'] },
    })
  })

  test('flags answer their questions, which are then not asked', async () => {
    const { prompter, asked } = scripted([['Send an in-app message', false]])
    const answers = await askAnswers(
      prompter,
      {
        region: 'eu',
        adminId: '99',
        logMode: 'note',
        defaultCountry: 'de',
        tagMap: ['VIP=vip'],
        vip: false,
        ticketType: '90',
        ticketOn: ['vip', 'vip'],
      },
      () => Promise.resolve(LOOKUPS),
    )
    expect(asked).toEqual(['Send an in-app message to callers you missed?'])
    expect(answers).toMatchObject({
      region: 'eu',
      adminId: '99',
      defaultCountry: 'DE',
      vipTag: null,
      tickets: { typeId: '90', on: ['vip'] },
    })
  })

  test('without API listings the wizard asks for free text instead', async () => {
    const { prompter } = scripted([
      ['Intercom admin id', ' 77 '],
      ['Aircall tags to map', 'Gold, '],
      ['Name of the new attribute for "Gold"', 'gold'],
    ])
    const answers = await askAnswers(prompter, { region: 'us' }, () => Promise.resolve(NO_LOOKUPS))
    expect(answers.tickets).toBeNull()
    expect(answers.adminId).toBe('77')
    expect(answers.tagMap).toEqual([{ tag: 'Gold', attribute: 'gold', type: 'boolean', target: 'contact' }])
    expect(answers.vipTag).toBe('VIP')
  })

  test('non-interactive defaults: the token’s admin, the existing VIP tag, and flags', () => {
    expect(defaultAnswers({}, LOOKUPS)).toEqual({
      region: 'us',
      adminId: '12',
      logMode: 'conversation',
      defaultCountry: 'US',
      tagMap: [],
      missedCallMessage: null,
      vipTag: 'VIP',
      tickets: null,
    })
    expect(defaultAnswers({ ticketType: '89' }, LOOKUPS).tickets).toEqual({ typeId: '89', on: ['voicemail'] })
    expect(() => defaultAnswers({ ticketOn: ['vip'] }, LOOKUPS)).toThrow(/--ticket-on needs --ticket-type/)
    expect(defaultAnswers({ adminId: '5' }, LOOKUPS, { INTERCOM_ADMIN_ID: '6' }).adminId).toBe('5')
    expect(defaultAnswers({}, NO_LOOKUPS, { INTERCOM_ADMIN_ID: '6' }).adminId).toBe('6')
    expect(defaultAnswers({ vip: false }, NO_LOOKUPS).vipTag).toBeNull()
  })
})

describe('runInit and existing files', () => {
  test('an existing file is kept without --force when nobody can confirm, and when the user says no', async () => {
    const file = join(tempDir(), 'aircall-intercom.yml')
    writeFileSync(file, 'mine: true\n')
    const options = { file, flags: {}, lookupsFor: () => Promise.resolve(NO_LOOKUPS) }
    await expect(runInit({ ...options, prompter: null })).rejects.toMatchObject({
      exitCode: 2,
      hint: expect.stringContaining('--force'),
    })
    const { prompter } = scripted([['/', false]])
    const declining: Prompter = { ...prompter, confirm: () => Promise.resolve(false) }
    await expect(runInit({ ...options, prompter: declining })).rejects.toBeInstanceOf(CancelledError)
    expect(readFileSync(file, 'utf8')).toBe('mine: true\n')

    const result = await runInit({ ...options, prompter: null, force: true })
    expect(result.overwritten).toBe(true)
    expect(loadConfig({ configPath: file, env: {} }).config.intercom.region).toBe('us')
  })

  test('an invalid missed-call template is refused and no file is written', async () => {
    const file = join(tempDir(), 'aircall-intercom.yml')
    await expect(
      runInit({
        file,
        flags: { missedCallMessage: 'Hi {{ caller.name | nope }}' },
        prompter: null,
        lookupsFor: () => Promise.resolve(NO_LOOKUPS),
      }),
    ).rejects.toThrow(/not a valid template/)
    expect(existsSync(file)).toBe(false)
  })
})
