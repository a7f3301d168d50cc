/** Kitaru's files must be UTF-8: tomllib and PyYAML decode them as UTF-8 and fail on the first invalid byte. */
import type { InvalidUtf8 } from "./host";
import type { Problem } from "./problems";

/**
 * The error for a file that is not UTF-8, at its first invalid byte. `reader` names what fails
 * ("Python's tomllib, which Kitaru uses,"), `refusal` what that means for Kitaru.
 */
export function notUtf8Problem(file: string, invalid: InvalidUtf8, reader: string, refusal: string): Problem {
  const { line, column } = invalid.position;
  const byte = `0x${invalid.byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return {
    severity: "error",
    code: "file-not-utf8",
    file,
    span: { start: { line, column }, end: { line, column: column + 1 } },
    message:
      `${baseName(file)} is not valid UTF-8: byte ${byte} at line ${line}, column ${column} (position ${invalid.offset}) cannot be decoded. ` +
      `${reader} decodes the file as UTF-8 and fails, so ${refusal} ` +
      "Save it as UTF-8 (in VS Code: Reopen with Encoding in the encoding it was written in, then Save with Encoding › UTF-8).",
  };
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
