/**
 * Secrets must never reach output, logs, errors or the store. The CLI registers every secret value it
 * loads here and passes all text it writes through `redact`, so even a secret echoed back inside an
 * API error message is masked.
 */
export const REDACTED = '***'

export class Redactor {
  private readonly secrets = new Set<string>()

  add(value: string | undefined | null): void {
    // Very short values would mask ordinary words; real tokens are long.
    if (value && value.length >= 4) this.secrets.add(value)
  }

  redact(text: string): string {
    let result = text
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED)
    }
    // Credentials embedded in headers or URLs by third-party code.
    return result
      .replace(/(authorization["']?\s*[:=]\s*["']?)(basic|bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1$2 ${REDACTED}`)
      .replace(/(https?:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`)
  }

  get size(): number {
    return this.secrets.size
  }
}
