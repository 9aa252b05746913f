/**
 * Timed steps of simulated activity: call lifecycles, AI insights after a call, message receipts. Every step is due
 * at a time on the emulator's clock, so advancing that clock fires what is due, in order, each step at its own
 * instant (event timestamps stay exact and tests never sleep). With wall timers on, a setTimeout of the same delay
 * fires the step too, which keeps a frozen injected clock's calls moving as they always did.
 */

export interface ScheduledStep {
  /** Emulator-clock ms the step is due at. */
  dueAt: number
  /** What the step does, for the control API ("call 12 call.ended"). */
  label: string
}

interface Task extends ScheduledStep {
  seq: number
  run: (dueAt: number) => void
  timer: NodeJS.Timeout | null
}

export class Scheduler {
  private tasks: Task[] = []
  private seq = 0

  constructor(
    private readonly now: () => number,
    /** Whether new steps also get a wall timer (settings.lifecycleTimers === 'wall'). */
    private readonly wallTimers: () => boolean,
  ) {}

  /**
   * Runs `run` `delayMs` after `from` on the emulator clock. A step scheduled from another step passes that step's
   * due time, so a chain keeps its spacing however late the clock was advanced.
   */
  after(from: number, delayMs: number, label: string, run: (dueAt: number) => void): void {
    const delay = Math.max(0, delayMs)
    const task: Task = { dueAt: from + delay, label, seq: this.seq++, run, timer: null }
    if (this.wallTimers()) {
      task.timer = setTimeout(() => {
        task.timer = null
        if (this.remove(task)) task.run(task.dueAt)
      }, delay)
    }
    // Sorted by due time, then by scheduling order: steps due together fire in the order they were planned.
    let at = this.tasks.length
    while (at > 0 && (this.tasks[at - 1] as Task).dueAt > task.dueAt) at--
    this.tasks.splice(at, 0, task)
  }

  /** The earliest due time, or undefined when nothing is scheduled. */
  nextDue(): number | undefined {
    return this.tasks[0]?.dueAt
  }

  /** Fires every step due at or before now (including ones those steps schedule), earliest first. */
  runDue(): number {
    let fired = 0
    for (let task = this.tasks[0]; task !== undefined && task.dueAt <= this.now(); task = this.tasks[0]) {
      this.remove(task)
      fired += 1
      task.run(task.dueAt)
    }
    return fired
  }

  pending(): ScheduledStep[] {
    return this.tasks.map((t) => ({ dueAt: t.dueAt, label: t.label }))
  }

  clear(): void {
    for (const t of this.tasks) if (t.timer) clearTimeout(t.timer)
    this.tasks = []
  }

  private remove(task: Task): boolean {
    const at = this.tasks.indexOf(task)
    if (at < 0) return false
    this.tasks.splice(at, 1)
    if (task.timer) clearTimeout(task.timer)
    task.timer = null
    return true
  }
}
