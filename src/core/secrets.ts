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
 * A masked form that never holds the whole secret: a short prefix (helps tell
 * `kat_` service-account keys from others) only when the secret is long enough
 * that the prefix gives away little.
 */
export function maskSecret(secret: string): string {
  const trimmed = secret.trim();
  if (trimmed.length >= 16) return `${trimmed.slice(0, 4)}****`;
  return "****";
}

/** Removes every occurrence of the given secrets from a text (for messages built from foreign errors). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join(maskSecret(s));
  }
  return out;
}
