/**
 * Regenerates compat-fixtures/ from test/data (corpus and captures): `npm run fixtures:update`.
 * Run it on purpose only, then read every changed expected.json (git diff) before committing:
 * an expected file states that the output is right, it is not a snapshot.
 */
import {
  collectInputs,
  isClientCapture,
  listFixtures,
  produce,
  readFixture,
  writeFixture,
} from "../test/support/fixtures.ts";

let count = 0;
for (const [name, input] of collectInputs()) {
  writeFixture(name, input, await produce(input));
  count++;
}
// Captures of real clients (scripts/capture-rocketchat-clients.ts): their bytes stay, their
// expected output is made again.
for (const name of listFixtures().filter(isClientCapture)) {
  const { input } = readFixture(name);
  writeFixture(name, input, await produce(input));
  count++;
}
console.log(`wrote ${count} fixtures`);
