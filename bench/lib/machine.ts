import { readFileSync } from 'node:fs'
import { availableParallelism, totalmem } from 'node:os'

export interface Machine {
  nproc: number
  memoryGb: number
  cpuModel: string
  node: string
  platform: string
}

export const machine = (): Machine => {
  let cpuModel = 'unknown'
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel
  } catch {
    // Not Linux: the model stays unknown rather than guessed.
  }
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    cpuModel,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}
