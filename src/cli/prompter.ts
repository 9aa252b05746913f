import { checkbox, confirm, input, select } from '@inquirer/prompts'
import type { Prompter } from '../domain/prompter.js'
import { CancelledError } from '../errors.js'

/** Prompts draw on stderr so stdout keeps only the command's result, even in a wizard. */
const context = { output: process.stderr }

const cancellable = async <T>(work: Promise<T>): Promise<T> => {
  try {
    return await work
  } catch (error) {
    // Ctrl-C inside a prompt: a cancellation, not a failure.
    if (error instanceof Error && error.name === 'ExitPromptError') throw new CancelledError()
    throw error
  }
}

export const inquirerPrompter: Prompter = {
  select: (question) => cancellable(select({ ...question, pageSize: 12 }, context)),
  input: (question) => cancellable(input(question, context)),
  confirm: (question) => cancellable(confirm(question, context)),
  checkbox: (question) => cancellable(checkbox(question, context)),
}
