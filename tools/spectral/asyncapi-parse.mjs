// Parses an AsyncAPI document with the official parser (@asyncapi/parser, which validates it
// against the AsyncAPI JSON Schema and its Spectral rules) and prints its diagnostics as JSON.
// Exit status 1 when the document does not parse or has an error.
import { Parser, fromFile } from "@asyncapi/parser";

const [path] = process.argv.slice(2);
const { document, diagnostics } = await fromFile(new Parser(), path).parse();
const found = diagnostics.map((d) => ({
  severity: ["error", "warning", "information", "hint"][d.severity],
  code: d.code,
  path: d.path.join("/"),
  message: d.message,
}));
console.log(JSON.stringify(found, null, 1));
process.exit(document && !found.some((d) => d.severity === "error") ? 0 : 1);
