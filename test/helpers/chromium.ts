import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Screenshots are kept for a person to look at after the run (CI keeps the folder with its logs). */
export const ARTIFACTS = process.env.AIRCALL_INTERCOM_ARTIFACTS ?? join(tmpdir(), 'aircall-intercom-artifacts')

/**
 * Debian's Chromium, headless, with a throwaway profile and nothing that reaches the network on its own (see
 * README "Operator console"); `offline` also cuts the page off from any network.
 */
export async function launchChromium(
  options: { offline?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'aircall-intercom-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    offline: options.offline ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
