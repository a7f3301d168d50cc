/**
 * Env files (`.env`), parsed by dotenv, with the line that set each variable so
 * a value shown in the tree can say where it came from.
 */
import { parse } from "dotenv";

export interface EnvFileEntry {
  name: string;
  value: string;
  line: number;
}

export function parseEnvFile(text: string): EnvFileEntry[] {
  const values = parse(text);
  const lines = text.split(/\r\n|\r|\n/);
  return Object.entries(values).map(([name, value]) => {
    // The last assignment wins in dotenv; find its line.
    const re = new RegExp(`^\\s*(?:export\\s+)?${name.replace(/[.]/g, "\\.")}\\s*[=:]`);
    let line = 1;
    lines.forEach((l, i) => {
      if (re.test(l)) line = i + 1;
    });
    return { name, value, line };
  });
}
