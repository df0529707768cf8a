// Control characters would let a message forge extra log lines; Kibana replaces them with
// ";" (keeping tabs): U+0000–0008, U+000A–001F, U+007F–009F, U+2028, U+2029.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029]/g;

export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ';');
}
