import { describe, expect, it } from 'vitest'
import { EXIT, runExitCode } from '../../src/cli/exit-codes.js'

describe('the exit code of a run over many items', () => {
  it.each([
    [{}, EXIT.ok],
    [{ deadLetters: 0, rejected: 0 }, EXIT.ok],
    [{ deadLetters: 2 }, EXIT.partial],
    [{ rejected: 1 }, EXIT.partial],
    [{ interrupted: true, deadLetters: 5 }, EXIT.interrupted],
    [{ interrupted: false, deadLetters: 1, rejected: 1 }, EXIT.partial],
  ])('%j → %i', (run, code) => {
    expect(runExitCode(run)).toBe(code)
  })
})
