import { realpathSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { Hook, Interfaces } from '@oclif/core'
import { levenshtein } from '../config/loader.js'

/** The same exit code @oclif/plugin-not-found uses at a terminal, so a script sees one code for "no such command". */
const NOT_FOUND_EXIT = 127

const spaced = (id: string): string => id.split(':').join(' ')

interface NotFound {
  message: string
  hint: string
}

/** What to tell someone who typed a command that does not exist: the command they probably meant. */
export const describeNotFound = (config: Interfaces.Config, id: string): NotFound => {
  const words = id.split(':')
  const bin = config.bin
  // `backfill extra-arg`: oclif joins the words into one id because `backfill` takes no arguments.
  for (let length = words.length - 1; length > 0; length -= 1) {
    const prefix = words.slice(0, length).join(':')
    const command = config.findCommand(prefix)
    if (command && !command.hidden) {
      const rest = words.slice(length).join(' ')
      return {
        message: `"${spaced(id)}" is not an ${bin} command: ${spaced(prefix)} takes no argument "${rest}"`,
        hint: `run \`${bin} ${spaced(prefix)} --help\` for what it accepts`,
      }
    }
  }
  const visible = config.commands.filter((command) => !command.hidden).map((command) => command.id)
  const closest = visible
    .map((candidate) => ({ candidate, distance: levenshtein(id, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0]
  const topic = config.findTopic(words[0] ?? '') ? ` ${words[0] ?? ''}` : ''
  return {
    message: `"${spaced(id)}" is not an ${bin} command${closest ? `: did you mean \`${bin} ${spaced(closest.candidate)}\`?` : ''}`,
    hint: `run \`${bin} help${topic}\` for the list of commands`,
  }
}

const wantsJson = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/**
 * `oclif readme` runs the init hooks of the CLI it documents with its own id ("readme"): only a process started
 * through this package's bin/ has a command line of ours to explain.
 */
const startedByThisCli = (config: Interfaces.Config): boolean => {
  try {
    return realpathSync(process.argv[1] ?? '').startsWith(join(realpathSync(config.root), 'bin') + sep)
  } catch {
    return false
  }
}

/**
 * Before oclif resolves the command: `--version --json` prints a JSON document, and an unknown command is explained
 * with the command probably meant — as the error envelope under --json, on stderr when nobody is at a terminal to
 * answer @oclif/plugin-not-found's "Did you mean …?" (which handles the terminal case).
 */
const hook: Hook.Init = function (options) {
  const { config, id, argv } = options
  if (id === '--version' && wantsJson(argv)) {
    process.stdout.write(
      `${JSON.stringify({ version: config.version, node: process.version, platform: `${config.platform}-${config.arch}` })}\n`,
    )
    // oclif would print its text version next; an exit code of 0 from a hook is not an exit, so leave here.
    process.exit(0)
  }
  if (!id || id.startsWith('-') || config.findCommand(id) || config.findTopic(id)) return Promise.resolve()
  if (!startedByThisCli(config)) return Promise.resolve()
  if (argv.includes('--help') || argv.includes('-h')) return Promise.resolve()
  const json = wantsJson(argv)
  const interactive = Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY) && process.env.CI !== 'true'
  if (interactive && !json) return Promise.resolve()
  const notFound = describeNotFound(config, id)
  if (json) {
    const error = { exitCode: NOT_FOUND_EXIT, code: 'command_not_found', ...notFound }
    process.stdout.write(`${JSON.stringify({ ok: false, exitCode: NOT_FOUND_EXIT, error, warnings: [] })}\n`)
  } else {
    process.stderr.write(`Error: ${notFound.message}\nHint: ${notFound.hint}\n`)
  }
  // Throws oclif's exit error: oclif prints nothing more and exits with this code.
  this.exit(NOT_FOUND_EXIT)
  return Promise.resolve()
}

export default hook
