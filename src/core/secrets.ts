/**
 * Secrets: what counts as one, and how it is shown. The clear value is only
 * ever held inside the core; everything returned carries the masked form.
 */

/** Kitaru's own pattern (kitaru status, frozen-spec redaction) for secret-looking variable names. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A masked form that never holds the whole secret: only a recognisable kind
 * prefix (`kat_`, `sk-`, `ghp_`: it tells one key from another and is not
 * secret) when the secret is long enough that the prefix gives away little.
 */
export function maskSecret(secret: string): string {
  const trimmed = secret.trim();
  const prefix = /^[A-Za-z]{2,7}[_-]/.exec(trimmed)?.[0];
  if (prefix && trimmed.length >= 16) return `${prefix}****`;
  return "****";
}

/**
 * The values of an environment that are secrets: those of secret-named variables
 * (Kitaru's name pattern) and passwords inside URL values. What a child process
 * was given may come back in its output in plain words, which no shape gives away:
 * `redact` these from it. Values shorter than 8 characters are left out (too
 * likely to be ordinary words; `redact` would mask them everywhere).
 */
export function environmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const v = value.trim();
    if (isSecretName(name) && v.length >= 8) out.add(v);
    for (const m of v.matchAll(URL_PASSWORD)) if (m[2] && m[2].length >= 4) out.add(m[2]);
  }
  // Longest first: a secret that contains another is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** Removes every occurrence of the given secrets from a text (for messages built from foreign errors). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join(maskSecret(s));
  }
  return out;
}

/**
 * Credentials recognisable by their value, whatever the variable is called: Kitaru
 * redacts image.environment only by name, so these would reach the image, its
 * metadata and the frozen execution spec in clear. Only well-known, distinctive shapes.
 */
const SECRET_VALUE_PATTERNS: { kind: string; pattern: RegExp; hints: string[] }[] = [
  { kind: "an OpenAI or Anthropic API key", pattern: /\bsk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{16,}/g, hints: ["sk-"] },
  { kind: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, hints: ["gh", "github_pat_"] },
  { kind: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{16,}/g, hints: ["glpat-"] },
  { kind: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, hints: ["xox"] },
  { kind: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, hints: ["AKIA", "ASIA"] },
  { kind: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/g, hints: ["AIza"] },
  { kind: "a Hugging Face token", pattern: /\bhf_[A-Za-z0-9]{30,}/g, hints: ["hf_"] },
  { kind: "a Stripe key", pattern: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, hints: ["k_live_", "k_test_"] },
  { kind: "a Kitaru service-account API key", pattern: /\bkat_[A-Za-z0-9_-]{12,}/g, hints: ["kat_"] },
  { kind: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, hints: ["eyJ"] },
  { kind: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, hints: ["-----BEGIN "] },
];

/**
 * Whether a pattern can match at all: each needs a literal its match contains. Most texts
 * hold none, so most checks skip the regular expression (and compiling it, in a short CLI run).
 */
const mayMatch = (text: string, hints: string[]) => hints.some((h) => text.includes(h));

/** The warning for a credential-shaped value under a harmless image.environment name (`subject` names it). */
export function credentialValueWarning(subject: string, kind: string, where = ""): string {
  return `${subject} looks like ${kind}${where}. Kitaru redacts image.environment only by name, so this value would be stored in clear in the image, its metadata and the frozen execution spec. Put the credential in a secret and list it in secret_environment_from instead.`;
}

/** A password in a URL (`scheme://user:password@host`). */
const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s/@]+)(@)/g;
/** A token used as the URL's user name (`https://<token>@host`): long, with letters and digits. */
const URL_TOKEN_USER = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?=[^\s:/@]*\d)(?=[^\s:/@]*[A-Za-z])([^\s:/@]{16,})(@)/g;
/**
 * Secret-named fields: a query parameter (`?api_key=…`), a JSON field
 * (`"DB_PASSWORD": "…"`) or an environment-style assignment (`API_TOKEN=…`).
 */
const NAMED_VALUES = [
  /([?&][A-Za-z0-9_.-]*(?:key|token|secret|password|credential|auth)[A-Za-z0-9_.-]*=)([^&#\s]+)/gi,
  /("[A-Za-z0-9_.-]*(?:key|token|secret|password|credential|auth)[A-Za-z0-9_.-]*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]]+)/gi,
  /(\b[A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH)[A-Z0-9_]*=)(\S+)/g,
];

/** What kind of credential a value looks like, or undefined. */
export function secretValueKind(value: string): string | undefined {
  for (const { kind, pattern, hints } of SECRET_VALUE_PATTERNS) {
    if (!mayMatch(value, hints)) continue;
    pattern.lastIndex = 0;
    if (pattern.test(value)) return kind;
  }
  if (!value.includes("://")) return undefined;
  URL_PASSWORD.lastIndex = 0;
  if (URL_PASSWORD.test(value)) return "a URL with a password";
  URL_TOKEN_USER.lastIndex = 0;
  if (URL_TOKEN_USER.test(value)) return "a URL with a token";
  return undefined;
}

/** The text with every credential-looking part masked (token shapes, URL passwords, secret-named fields). */
export function maskSecretsInText(text: string): string {
  let out = text;
  for (const { pattern, hints } of SECRET_VALUE_PATTERNS) if (mayMatch(out, hints)) out = out.replace(pattern, (m) => maskSecret(m));
  if (out.includes("://")) {
    out = out.replace(URL_PASSWORD, (_m, head: string, _pw: string, at: string) => `${head}****${at}`);
    out = out.replace(URL_TOKEN_USER, (_m, head: string, _token: string, at: string) => `${head}****${at}`);
  }
  // Every named value has an `=` or a `:` between its name and the value.
  if (!out.includes("=") && !out.includes(":")) return out;
  for (const pattern of NAMED_VALUES) out = out.replace(pattern, (m, head: string, value: string) => (value.includes("****") ? m : value.startsWith('"') ? `${head}"****"` : `${head}****`));
  return out;
}

/** A problem whose message cannot echo a credential. */
export function maskProblemText<T extends { message: string }>(problem: T): T {
  const message = maskSecretsInText(problem.message);
  return message === problem.message ? problem : { ...problem, message };
}

/** Masks a credential-looking value (a string, or strings in a list) that no name marked as secret. */
export function maskSecretLookingValue<T extends { value: unknown; masked?: boolean; dynamic?: string }>(c: T): void {
  if (c.dynamic !== undefined) c.dynamic = maskSecretsInText(c.dynamic);
  if (c.masked) return;
  if (typeof c.value === "string") {
    const masked = maskSecretsInText(c.value);
    if (masked !== c.value) Object.assign(c, { value: masked, masked: true });
  } else if (Array.isArray(c.value) && c.value.every((v) => typeof v === "string")) {
    const masked = (c.value as string[]).map(maskSecretsInText);
    if (masked.some((m, i) => m !== (c.value as string[])[i])) Object.assign(c, { value: masked, masked: true });
  }
}
