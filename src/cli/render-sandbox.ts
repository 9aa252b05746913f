import type { SandboxInfo } from '../app/sandbox-service.js'

export const renderSandbox = (info: SandboxInfo): string => {
  const lines = [
    `Aircall emulator   ${info.aircall.url}`,
    `Intercom emulator  ${info.intercom.url}`,
    `Seeded: ${info.seeded.calls} calls over ${info.seeded.days} days, ${info.seeded.aircallContacts} Aircall contacts, ${info.seeded.intercomContacts} Intercom contacts (seed ${info.seeded.seed})`,
  ]
  if (info.listener)
    lines.push(`Webhooks of both emulators go to ${info.listener.url}/aircall and ${info.listener.url}/intercom`)
  lines.push(
    '',
    'Paste these lines in another shell; every command run there talks to the sandbox:',
    '',
    ...Object.entries(info.env).map(([name, value]) => `export ${name}=${value}`),
    '',
    'Control API: GET/POST <url>/_emulator/… (see the README). Stop with Ctrl-C.',
  )
  return lines.join('\n')
}
