import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/loader.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n')
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  test('with no file, runs on defaults plus the environment and says which file it would read', () => {
    const cwd = tempDir()
    const loaded = loadConfig({
      cwd,
      env: { INTERCOM_ACCESS_TOKEN: 'tok-123456', AIRCALL_API_URL: 'http://127.0.0.1:9/' },
    })
    expect(loaded.file).toBeNull()
    expect(loaded.expectedFile).toBe(join(cwd, 'aircall-intercom.yml'))
    expect(loaded.statePath).toBe(join(cwd, 'aircall-intercom.sqlite'))
    expect(loaded.config.intercom.accessToken).toBe('tok-123456')
    expect(loaded.config.aircall.apiUrl).toBe('http://127.0.0.1:9/')
    expect(loaded.config.intercom.apiVersion).toBe('2.16')
    expect(loaded.secrets).toEqual(['tok-123456'])
  })

  test('precedence is flag > env > file', () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      'aircall:\n  apiUrl: https://file.example\nintercom:\n  adminId: "111"\nstore:\n  path: from-file.sqlite\n',
    )
    const fileOnly = loadConfig({ cwd, env: {} })
    expect(fileOnly.config.aircall.apiUrl).toBe('https://file.example')
    expect(fileOnly.config.intercom.adminId).toBe('111')
    expect(fileOnly.statePath).toBe(join(cwd, 'from-file.sqlite'))

    const env = {
      AIRCALL_API_URL: 'https://env.example',
      INTERCOM_ADMIN_ID: '222',
      AIRCALL_INTERCOM_STATE: 'env.sqlite',
    }
    const withEnv = loadConfig({ cwd, env })
    expect(withEnv.config.aircall.apiUrl).toBe('https://env.example')
    expect(withEnv.config.intercom.adminId).toBe('222')
    expect(withEnv.statePath).toBe(join(cwd, 'env.sqlite'))
    expect(withEnv.sources['aircall.apiUrl']).toBe('env')

    const withFlag = loadConfig({ cwd, env, statePath: 'flag.sqlite' })
    expect(withFlag.statePath).toBe(join(cwd, 'flag.sqlite'))
    expect(withFlag.sources['store.path']).toBe('flag')
  })

  test('a database URL as store.path is refused by name, pointing at store.url, its password hidden', () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), 'store:\n  path: postgresql://ops:hunter2@db.internal/aircall\n')
    expect(() => loadConfig({ cwd, env: {} })).toThrow(
      'store.path postgresql://ops@db.internal/aircall is a database URL',
    )
    expect(() => loadConfig({ cwd, env: {} })).not.toThrow(/hunter2/)
  })

  test('--state, AIRCALL_INTERCOM_STATE and store.url take a PostgreSQL URL, shown without its password', () => {
    const cwd = tempDir()
    const viaFlag = loadConfig({ cwd, env: {}, statePath: 'postgres://ops:hunter2@db.internal:5433/aircall' })
    expect(viaFlag.statePath).toBe('postgres://ops@db.internal:5433/aircall')
    expect(viaFlag.state).toMatchObject({ kind: 'postgres', schema: 'public' })
    expect(viaFlag.secrets).toContain('hunter2')
    expect(viaFlag.sources['store.path']).toBe('flag')

    const viaEnv = loadConfig({
      cwd,
      env: { AIRCALL_INTERCOM_STATE: 'postgresql://ops@db.internal/aircall?schema=eu' },
    })
    expect(viaEnv.statePath).toBe('postgresql://ops@db.internal/aircall?schema=eu')
    expect(viaEnv.state).toMatchObject({ kind: 'postgres', schema: 'eu' })

    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      'store:\n  url: ${DATABASE_URL}\n  schema: aircall\n  poolSize: 4\n',
    )
    const viaFile = loadConfig({ cwd, env: { DATABASE_URL: 'postgres://ops:s3cr%40t@db.internal/app' } })
    expect(viaFile.state).toMatchObject({ kind: 'postgres', schema: 'aircall', poolSize: 4 })
    expect(viaFile.statePath).toBe('postgres://ops@db.internal/app?schema=aircall')
    expect(viaFile.secrets).toContain('s3cr@t')
  })

  test('a password written in store.url, both store.path and store.url, or another scheme are refused by name', () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), 'store:\n  url: postgres://ops:hunter2@db.internal/app\n')
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/store\.url: the database password may not be written/)
    expect(() => loadConfig({ cwd, env: {} })).not.toThrow(/hunter2/)

    writeFileSync(join(cwd, 'aircall-intercom.yml'), 'store:\n  url: postgres://db/app\n  path: x.sqlite\n')
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/set store.path \(an SQLite file\) or store.url/)

    expect(() => loadConfig({ cwd: tempDir(), env: {}, statePath: 'mysql://ops:hunter2@db/app' })).toThrow(
      '--state mysql://ops@db/app is a URL the state store cannot use',
    )
    expect(() => loadConfig({ cwd: tempDir(), env: {}, statePath: 'postgres://db/app?schema=Bad-Name' })).toThrow(
      /the state URL postgres:\/\/db\/app\?schema=Bad-Name is not valid/,
    )
  })

  test('the config path comes from --config, then AIRCALL_INTERCOM_CONFIG', () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'a.yml'), 'matching:\n  defaultCountry: FR\n')
    writeFileSync(join(cwd, 'b.json'), JSON.stringify({ matching: { defaultCountry: 'DE' } }))
    expect(loadConfig({ cwd, env: { AIRCALL_INTERCOM_CONFIG: 'b.json' } }).config.matching.defaultCountry).toBe('DE')
    expect(
      loadConfig({ cwd, configPath: 'a.yml', env: { AIRCALL_INTERCOM_CONFIG: 'b.json' } }).config.matching
        .defaultCountry,
    ).toBe('FR')
  })

  test('an explicit file that does not exist is an error, not silent defaults', () => {
    const cwd = tempDir()
    expect(problemsOf(() => loadConfig({ cwd, configPath: 'missing.yml', env: {} }))).toEqual([
      'missing.yml: file not found (check --config or AIRCALL_INTERCOM_CONFIG)',
    ])
  })

  test('lists every problem as FILE:key.path: message, including unknown keys and typos', () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'bad.yml'),
      [
        'intercom:',
        '  region: mars',
        '  adminid: "1"',
        'tags:',
        '  map:',
        '    - tag: VIP',
        '      attribute: vip',
        '    - tag: Gold',
        '    - tag: Silver',
        '      attribute: silver',
        '      type: colour',
      ].join('\n'),
    )
    expect(problemsOf(() => loadConfig({ cwd, configPath: 'bad.yml', env: {} }))).toEqual([
      'bad.yml:intercom.region: must be one of "us", "eu", "au" (got "mars")',
      'bad.yml:intercom.adminid: unknown key (did you mean "adminId"?)',
      'bad.yml:tags.map[1].attribute: Required',
      'bad.yml:tags.map[2].type: must be one of "boolean", "string", "integer", "date" (got "colour")',
    ])
  })

  test('secrets are accepted only as ${ENV} references, and missing variables are named', () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'c.yml'),
      'aircall:\n  apiToken: literal-token-value\nintercom:\n  accessToken: ${MY_INTERCOM_TOKEN}\n  clientSecret: ${NOT_SET_ANYWHERE}\n',
    )
    const problems = problemsOf(() => loadConfig({ cwd, configPath: 'c.yml', env: { MY_INTERCOM_TOKEN: 'abcd-efgh' } }))
    expect(problems).toEqual([
      'c.yml:aircall.apiToken: secrets may not be written in the file; write ${AIRCALL_API_TOKEN} and set that variable in the environment',
      'c.yml:intercom.clientSecret: environment variable NOT_SET_ANYWHERE is not set',
    ])
    expect(problems.join('\n')).not.toContain('literal-token-value')

    writeFileSync(join(cwd, 'd.yml'), 'intercom:\n  accessToken: ${MY_INTERCOM_TOKEN}\n')
    const loaded = loadConfig({ cwd, configPath: 'd.yml', env: { MY_INTERCOM_TOKEN: 'abcd-efgh' } })
    expect(loaded.config.intercom.accessToken).toBe('abcd-efgh')
    expect(loaded.secrets).toContain('abcd-efgh')
  })

  test('a YAML syntax error names the file, line and column', () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'e.yml'), 'aircall:\n  apiUrl: [unclosed\n')
    const [first] = problemsOf(() => loadConfig({ cwd, configPath: 'e.yml', env: {} }))
    expect(first).toMatch(/^e\.yml:\d+:\d+: invalid YAML/)
  })

  test('templates are checked when the config loads, each named by its key path', () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 't.yml'),
      [
        'logging:',
        '  templates:',
        '    note: "{% if direction %}unclosed"',
        'missedCalls:',
        '  templates:',
        '    - name: ok',
        '      body: "Sorry {{ caller.name }}"',
        '    - name: broken',
        '      body: "{{ caller.name | no_such_filter }}"',
        'resolve:',
        '  noteTemplate: missing.liquid',
      ].join('\n'),
    )
    const problems = problemsOf(() => loadConfig({ cwd, configPath: 't.yml', env: {} }))
    expect(problems.map((problem) => problem.split(': ')[0])).toEqual([
      't.yml:logging.templates.note',
      't.yml:missedCalls.templates[1].body',
      't.yml:resolve.noteTemplate',
    ])
    expect(problems[0]).toContain('template does not parse: ')
    expect(problems[2]).toBe(`t.yml:resolve.noteTemplate: file ${join(cwd, 'missing.liquid')} not found`)
  })

  test("a template setting naming a file holds the file's Liquid source once loaded, and says which file", () => {
    const root = tempDir()
    const dir = join(root, 'conf')
    mkdirSync(join(dir, 'templates'), { recursive: true })
    writeFileSync(join(dir, 'note.liquid'), '<p>Call {{ callId }}</p>\n')
    writeFileSync(join(dir, 'templates', 'missed.html'), '<p>Sorry {{ caller.name }}</p>\n')
    writeFileSync(join(dir, 'templates', 'subject'), 'We missed your call\n')
    writeFileSync(join(root, 'resolve.liquid'), 'Resolved {{ callId }}')
    writeFileSync(
      join(dir, 'c.yml'),
      [
        'logging:',
        '  templates:',
        '    note: note.liquid',
        'missedCalls:',
        '  templates:',
        '    - name: inline',
        '      body: Sorry we missed your call! Reply here.',
        '    - name: from-files',
        '      messageType: email',
        '      subject: templates/subject',
        '      body: ./templates/missed.html',
        'resolve:',
        `  noteTemplate: ${join(root, 'resolve.liquid')}`,
      ].join('\n'),
    )
    // Relative paths are read from the config file's folder, whatever the working directory.
    const loaded = loadConfig({ cwd: root, configPath: 'conf/c.yml', env: {} })
    expect(loaded.config.logging.templates.note).toBe('<p>Call {{ callId }}</p>')
    expect(loaded.config.missedCalls.templates[0]?.body).toBe('Sorry we missed your call! Reply here.')
    expect(loaded.config.missedCalls.templates[1]).toMatchObject({
      subject: 'We missed your call',
      body: '<p>Sorry {{ caller.name }}</p>',
    })
    expect(loaded.config.resolve.noteTemplate).toBe('Resolved {{ callId }}')
    expect(loaded.templateFiles).toEqual({
      'logging.templates.note': join(dir, 'note.liquid'),
      'missedCalls.templates[1].subject': join(dir, 'templates', 'subject'),
      'missedCalls.templates[1].body': join(dir, 'templates', 'missed.html'),
      'resolve.noteTemplate': join(root, 'resolve.liquid'),
    })
  })

  test('a template file that does not parse, or is empty, is a problem naming the key and the file', () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'broken.liquid'), '<p>\n{{ caller.name | shout }}</p>\n')
    writeFileSync(join(cwd, 'empty.liquid'), '\n')
    writeFileSync(
      join(cwd, 'b.yml'),
      'logging:\n  templates:\n    note: broken.liquid\nresolve:\n  noteTemplate: ./empty.liquid\n',
    )
    expect(problemsOf(() => loadConfig({ cwd, configPath: 'b.yml', env: {} }))).toEqual([
      expect.stringMatching(
        new RegExp(`^b\\.yml:logging\\.templates\\.note: file ${join(cwd, 'broken.liquid')} does not parse: line 2, `),
      ),
      `b.yml:resolve.noteTemplate: file ${join(cwd, 'empty.liquid')} is empty`,
    ])
  })
})
