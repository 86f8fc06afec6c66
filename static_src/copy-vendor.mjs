// Copies the parts of GOV.UK Frontend that the browser loads at run time into static/vendor/govuk/.
//
// The fonts are deliberately left behind: GDS Transport is licensed for GOV.UK services only,
// and the stylesheet is compiled not to reference it. The copy is rebuilt from scratch each time
// so that files removed upstream do not linger in static/.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const target = join(root, "static", "vendor", "govuk");

const files = [
  ["govuk-frontend.min.js", "govuk-frontend.min.js"],
  // The script names its source map; a manifest static storage refuses a missing reference.
  ["govuk-frontend.min.js.map", "govuk-frontend.min.js.map"],
  ["assets/images", "assets/images"],
  ["assets/manifest.json", "assets/manifest.json"],
];

rmSync(target, { recursive: true, force: true });
mkdirSync(join(target, "assets"), { recursive: true });
for (const [from, to] of files) {
  cpSync(join(source, from), join(target, to), { recursive: true });
}
console.log(`copied GOV.UK Frontend ${files.length} entries to ${target}`);
