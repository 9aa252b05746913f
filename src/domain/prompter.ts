/** The four questions shapes the wizard uses; the CLI backs them with @inquirer/prompts, tests with a script. */
export interface Prompter {
  select<T extends string>(question: {
    message: string
    choices: Array<{ name: string; value: T; description?: string }>
    default?: T
  }): Promise<T>
  input(question: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>
  confirm(question: { message: string; default?: boolean }): Promise<boolean>
  checkbox<T extends string>(question: {
    message: string
    choices: Array<{ name: string; value: T; checked?: boolean }>
  }): Promise<T[]>
}
